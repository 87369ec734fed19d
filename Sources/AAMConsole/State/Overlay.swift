import AAMControlProtocol

/// A yes/no question guarding a command ("Drain provider X? y/n").
public struct Confirmation: Sendable, Equatable {
    public var question: String
    public var command: ControlCommand
}

/// A small form: one or more text fields, submitted with Enter on the last one.
public struct TextPrompt: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        case rotateKey(keyId: String, prefix: String)
        case setWeight(deployment: String)
        case addDeployment
    }

    public struct Field: Sendable, Equatable {
        public var label: String
        public var value: String
    }

    public var title: String
    public var fields: [Field]
    public var focus = 0
    /// Why the last submit was refused, shown under the fields.
    public var error: String?
    public var purpose: Purpose

    static let maxFieldLength = 200
}

/// A newly issued secret, shown once until dismissed; dismissing removes it from the state.
public struct OneTimeSecret: Sendable, Equatable {
    public var keyPrefix: String?
    public var secret: String
}

/// What covers the current view, topmost first: Esc closes it before anything else.
public enum Overlay: Sendable, Equatable {
    case detail(CallRow)
    case confirm(Confirmation)
    case prompt(TextPrompt)
    case secret(OneTimeSecret)
}
