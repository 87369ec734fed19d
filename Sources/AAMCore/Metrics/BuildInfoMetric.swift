extension BuildIdentity {
    /// `aam_build_info{version,revision} 1`: the Prometheus convention for exposing what is
    /// running as labels of a constant gauge (join it onto other series with `on(instance)`).
    public var prometheusFamily: String {
        var out = PrometheusText()
        out.family("aam_build_info", .gauge, help: "Always 1; the labels say which release and git revision this process runs.")
        out.sample("aam_build_info", [("version", version), ("revision", revisionLabel)], 1)
        return out.text
    }
}
