/// The typed view of a record's stored `errorClass` (kept a `String`: it is the storage and
/// wire format, and older records may carry classes this build does not name). Code compares
/// and assigns classes through these, never through string literals.
extension CallRecord {
    public var errorCode: ErrorCode? {
        get { errorClass.map(ErrorCode.init(rawValue:)) }
        set { errorClass = newValue?.rawValue }
    }
}

extension CallRecord.Attempt {
    public var errorCode: ErrorCode? {
        get { errorClass.map(ErrorCode.init(rawValue:)) }
        set { errorClass = newValue?.rawValue }
    }
}
