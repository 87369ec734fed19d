import AAMProviders

/// The texts of a Responses API body that passes through to a vendor's own Responses API: what
/// the model sees in a request, and what it says in a `response` object.
///
/// Request: `instructions`, `input` (a string, or items: a message's `content` string or
/// parts' `text`, a `function_call`'s `arguments`, a `function_call_output`'s `output`).
/// Response: each `output` item's texts (a message's `output_text` parts and refusals, a
/// function call's `arguments`, a reasoning item's summary). Locations name where the text sits
/// (`input[2].content[0].text`, `output[0].content[0].text`). History kept by the vendor
/// (`previous_response_id`) was screened when it was this call's request and answer.
extension GuardrailTexts {
    static func responsesRequest(_ root: inout WireJSON, _ visit: Visit) {
        root.update("instructions") { string(&$0, at: "instructions", visit) }
        root.update("input") { input in
            if input.stringValue != nil { return string(&input, at: "input", visit) }
            input.updateEach { i, item in
                let at = "input[\(i)]"
                item.update("content") { contents(&$0, at: "\(at).content", visit) }
                item.update("arguments") { string(&$0, at: "\(at).arguments", visit) }
                item.update("output") { contents(&$0, at: "\(at).output", visit) }
            }
        }
    }

    static func responsesAnswer(_ root: inout WireJSON, _ visit: Visit) {
        root.update("output") { output in
            output.updateEach { i, item in responsesOutputItem(&item, at: "output[\(i)]", visit) }
        }
    }

    /// One `output` item (also what `response.output_item.done` carries in a stream).
    static func responsesOutputItem(_ item: inout WireJSON, at: String, _ visit: Visit) {
        item.update("content") { content in
            content.updateEach { j, part in
                part.update("text") { string(&$0, at: "\(at).content[\(j)].text", visit) }
                part.update("refusal") { string(&$0, at: "\(at).content[\(j)].refusal", visit) }
            }
        }
        item.update("arguments") { string(&$0, at: "\(at).arguments", visit) }
        item.update("summary") { summary in
            summary.updateEach { j, part in part.update("text") { string(&$0, at: "\(at).summary[\(j)].text", visit) } }
        }
    }
}
