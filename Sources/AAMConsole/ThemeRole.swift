/// What a piece of text on screen means; a theme maps each role to a color. Renderers speak only
/// in roles, so views never name a color and a monochrome terminal can map roles to attributes.
/// Raw values are the keys of `themes/*.theme` (`theme[status_ok]="#a3be8c"`).
public enum ThemeRole: String, Sendable, Hashable, CaseIterable, Codable {
    case mainBackground = "main_bg"
    case mainForeground = "main_fg"
    case title
    case border
    case statusOK = "status_ok"
    case statusCooldown = "status_cooldown"
    case statusError = "status_error"
    case statusDrained = "status_drained"
    case spendBarLow = "spend_bar_low"
    case spendBarMid = "spend_bar_mid"
    case spendBarHigh = "spend_bar_high"
    case rowSelectedBackground = "row_selected_bg"
    case rowSelectedForeground = "row_selected_fg"
    case guardrailHit = "guardrail_hit"
    case muted
    case keyHint = "key_hint"
}
