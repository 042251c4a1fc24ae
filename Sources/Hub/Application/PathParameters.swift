import Foundation
import Hummingbird

extension Parameters {
    /// A path id; a malformed one is a 400 naming the parameter.
    func uuid(_ name: String) throws -> UUID {
        guard let raw = self.get(name), let id = UUID(uuidString: raw) else {
            throw Problem.badRequest("L'identifiant « \(name) » n'est pas un UUID valide.", field: name)
        }
        return id
    }
}
