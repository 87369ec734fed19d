import Testing
@testable import AAMIdentity
