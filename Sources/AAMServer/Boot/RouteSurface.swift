/// Which routes a listener serves. One listener serves everything unless `--admin-listen`
/// gives the admin API and `/metrics` their own address: then the data listener (and the mTLS
/// listener) serve `.dataPlane` and the admin listener `.admin`. `/healthz` and `/readyz` are
/// on every listener.
public enum RouteSurface: Sendable, Hashable {
    case all
    /// `/v1/*` and `/mcp/*`.
    case dataPlane
    /// `/admin/*` and `/metrics`.
    case admin

    var servesDataPlane: Bool { self != .admin }
    var servesAdmin: Bool { self != .dataPlane }
}
