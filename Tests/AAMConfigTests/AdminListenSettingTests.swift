import AAMConfig
import Testing

/// `server.adminListen` (the file form of `aamd --admin-listen`): a bare port or HOST:PORT.
@Suite struct AdminListenSettingTests {
    @Test func aBarePortOrAnAddressIsKept() throws {
        #expect(try ConfigLoader.load(yaml: "server:\n  adminListen: 9090\n", file: "t.yaml", environment: [:]).server.adminListen == "9090")
        let address = try ConfigLoader.load(yaml: "server:\n  adminListen: 127.0.0.1:9090\n", file: "t.yaml", environment: [:])
        #expect(address.server.adminListen == "127.0.0.1:9090")
    }

    @Test func anythingElseIsRefusedWithItsLine() {
        do {
            _ = try ConfigLoader.load(yaml: "server:\n  adminListen: localhost\n", file: "t.yaml", environment: [:])
            Issue.record("accepted adminListen: localhost")
        } catch {
            #expect(
                error.errors.map(\.description) == [
                    "t.yaml:2:16: server.adminListen: invalid listen address 'localhost' (expected HOST:PORT, e.g. 127.0.0.1:9090)"
                ])
        }
    }
}
