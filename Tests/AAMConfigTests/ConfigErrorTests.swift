import AAMConfig
import Testing

/// The text form of errors, which users read and scripts may parse.
@Suite struct ConfigErrorTests {
    @Test func descriptionNamesFileLineColumnAndField() {
        let error = ConfigError(
            file: "bad.yaml", line: 7, column: 15, field: "providers[1].protocol",
            message: "unknown protocol 'opena' (expected one of openai, anthropic, azure-openai, gemini, simulated)")
        #expect(
            error.description
                == "bad.yaml:7:15: providers[1].protocol: unknown protocol 'opena' (expected one of openai, anthropic, azure-openai, gemini, simulated)"
        )
    }

    @Test func descriptionLeavesOutWhatIsUnknown() {
        #expect(ConfigError(file: "a.yaml", field: "", message: "cannot read").description == "a.yaml: cannot read")
        #expect(ConfigError(file: "a.yaml", line: 3, field: "", message: "m").description == "a.yaml:3: m")
    }

    @Test func errorsPrintOnePerLine() {
        let errors = ConfigErrors([
            ConfigError(file: "f", line: 1, column: 1, field: "a", message: "x"),
            ConfigError(file: "f", line: 2, column: 3, field: "b", message: "y"),
        ])
        #expect(errors.description == "f:1:1: a: x\nf:2:3: b: y")
    }

    @Test func missingFileIsReportedWithItsPath() {
        #expect(
            throws: ConfigErrors([
                ConfigError(file: "/nonexistent/aam.yaml", field: "", message: "cannot read the file (no such file)")
            ])
        ) {
            try ConfigLoader.load(path: "/nonexistent/aam.yaml", environment: [:])
        }
    }
}
