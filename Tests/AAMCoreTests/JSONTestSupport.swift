import AAMCore
import Foundation

/// Bytes of a string literal, for scanner inputs.
func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Scans or returns the failure, so tests can assert on either outcome without `try`.
func scan(_ bytes: [UInt8]) -> Result<JSONObjectScanner, JSONObjectScanner.Failure> {
    do throws(JSONObjectScanner.Failure) {
        return .success(try JSONObjectScanner(bytes))
    } catch {
        return .failure(error)
    }
}

func scan(_ text: String) -> Result<JSONObjectScanner, JSONObjectScanner.Failure> { scan(utf8(text)) }

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }

    var success: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}

extension MemberRead {
    var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }

    var isWrongType: Bool {
        if case .wrongType = self { return true }
        return false
    }
}

/// Parses bytes with Foundation, as the reference for "valid JSON object" and its value.
func foundationObject(_ bytes: [UInt8]) -> NSDictionary? {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? NSDictionary
}
