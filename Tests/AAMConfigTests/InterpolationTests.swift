import Testing

@testable import AAMConfig

/// `${NAME}`, `${NAME:-default}` and `$$` in scalar values.
@Suite struct InterpolationTests {
    private func interpolate(_ text: String, _ environment: [String: String] = ["A": "alpha", "EMPTY": ""])
        -> EnvironmentInterpolation.Result
    {
        EnvironmentInterpolation.interpolate(text, environment: environment)
    }

    @Test func textWithoutDollarIsUntouched() {
        #expect(interpolate("plain text") == .init(text: "plain text", usedEnvironment: false, problems: []))
    }

    @Test func substitutesVariables() {
        #expect(interpolate("x-${A}-y").text == "x-alpha-y")
        #expect(interpolate("${A}${A}").text == "alphaalpha")
        #expect(interpolate("${A}").usedEnvironment)
    }

    @Test func defaultsApplyWhenUnsetOrEmpty() {
        #expect(interpolate("${MISSING:-fallback}").text == "fallback")
        #expect(interpolate("${EMPTY:-fallback}").text == "fallback")
        #expect(interpolate("${A:-fallback}").text == "alpha")
        #expect(interpolate("${MISSING:-}").text == "")
        #expect(interpolate("${EMPTY}").problems.isEmpty, "set but empty is not missing")
    }

    @Test func dollarEscapes() {
        #expect(interpolate("$$").text == "$")
        #expect(interpolate("$${A}").text == "${A}")
        #expect(interpolate("cost $5").text == "cost $5")
        #expect(interpolate("trailing $").text == "trailing $")
        #expect(!interpolate("$${A}").usedEnvironment)
    }

    @Test func reportsEveryMissingVariable() {
        #expect(interpolate("${X}/${A}/${Y}").problems == [.missingVariable("X"), .missingVariable("Y")])
    }

    @Test func reportsMalformedReferences() {
        #expect(interpolate("${A").problems == [.unterminated])
        #expect(interpolate("${1BAD}").problems == [.invalidName("1BAD")])
        #expect(interpolate("${}").problems == [.invalidName("")])
    }
}
