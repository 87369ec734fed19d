import AAMProviders
import Foundation
import Hummingbird
import NIOCore

extension FakeExchange {
    /// A Bedrock ConverseStream answer as binary event-stream frames, shaped by `behaviour`;
    /// nil for any other request (or a behaviour that is not about the stream's body), which
    /// the generic path answers.
    func bedrockStream(with behaviour: FakeBehaviour) async throws -> Response? {
        guard case .bedrockConverse(_, true) = route, inspected.rejection == nil else { return nil }
        let reply = geminiReply()
        var frames = BedrockWire.streamFrames(reply: reply, sequence: sequence)
        let headers = successHeaders(inputTokens: reply.promptTokens, outputTokens: reply.completionTokens)
        let channel = self.channel
        switch behaviour {
        case .normal:
            return Self.binaryStream(headers: headers, frames: frames, channel: channel) { _ in .write }
        case .slowStream(let gap):
            return Self.binaryStream(headers: headers, frames: frames, channel: channel) { $0 > 0 ? .pause(gap) : .write }
        case .stallMidStream(let events, let gap):
            return Self.binaryStream(headers: headers, frames: frames, channel: channel) { $0 == events ? .pause(gap) : .write }
        case .disconnectMidStream(let events):
            return Self.binaryStream(headers: headers, frames: frames, channel: channel) { $0 >= max(0, events) ? .pauseThenCut(100) : .write }
        case .corruptStreamChecksum(let events):
            let index = min(max(0, events), frames.count - 1)
            frames[index][frames[index].count - 1] ^= 0xff
            return Self.binaryStream(headers: headers, frames: Array(frames.prefix(index + 1)), channel: channel) { _ in .write }
        case .streamException(let events, let type, let message):
            let sent = Array(frames.prefix(max(0, events))) + [BedrockWire.exceptionFrame(type, message: message)]
            return Self.binaryStream(headers: headers, frames: sent, channel: channel) { _ in .write }
        case .garbage:
            // A frame whose prelude claims an absurd length (its prelude CRC is right).
            let prelude: [UInt8] = [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]
            let crc = CRC32Bytes.bigEndian(prelude)
            return Self.binaryStream(headers: headers, frames: [frames[0], prelude + crc], channel: channel) { _ in .write }
        default:
            return nil
        }
    }

    /// `200 application/vnd.amazon.eventstream`, one frame per HTTP chunk.
    static func binaryStream(
        headers: [(String, String)], frames: [[UInt8]], channel: any Channel, step: @escaping @Sendable (Int) -> StreamStep
    ) -> Response {
        var fields = HTTPFields(pairs: headers)
        fields[.contentType] = "application/vnd.amazon.eventstream"
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            for index in 0...frames.count {
                switch step(index) {
                case .cut:
                    throw await ConnectionCut.cut(channel)
                case .pauseThenCut(let milliseconds):
                    try await ConnectionCut.pause(milliseconds: milliseconds, channel: channel)
                    throw await ConnectionCut.cut(channel)
                case .pause(let milliseconds):
                    try await ConnectionCut.pause(milliseconds: milliseconds, channel: channel)
                case .write:
                    break
                }
                if index < frames.count { try await writer.write(ByteBuffer(bytes: frames[index])) }
            }
            try await writer.finish(nil)
        })
    }
}

/// A CRC-32 as the four big-endian bytes the event-stream framing carries.
enum CRC32Bytes {
    static func bigEndian(_ bytes: [UInt8]) -> [UInt8] {
        let crc = CRC32.checksum(bytes)
        return [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)]
    }
}
