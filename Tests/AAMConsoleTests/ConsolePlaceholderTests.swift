import Testing
@testable import AAMConsole
