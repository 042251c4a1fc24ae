import Foundation

/// Pooling (issue 22): the programmes of a regroupement read together, as a DRIHL evaluator
/// reads a region's. A pooled cell is the sum of its programmes' cells (a household belongs
/// to one programme), so a pool publishes what none of its small programmes can alone.
///
/// Each programme's own release stays as it is: its readers may have read it already. The
/// pool's cells are then published under the same control in one system with every
/// programme's table — each pool cell bound to its programmes' cells — so that a pool cell
/// minus the other programmes' published cells gives no programme's hidden or small cell
/// away, and no small cell of the pool either. A pool whose composition could change, or two
/// pools sharing a programme, would let a reader subtract one pool from another: the
/// regroupements are fixed and disjoint (sql/0027), which is why a pool is released beside
/// its own programmes only.
public struct PooledMember: Sendable {
    public let recoded: RecodedTable
    public let release: Release
    /// The programme's own threshold: its cells under it stay protected in the pool's system.
    public let threshold: Int

    public init(recoded: RecodedTable, release: Release, threshold: Int) {
        self.recoded = recoded
        self.release = release
        self.threshold = threshold
    }
}

extension DisclosureControl {
    /// The pool's release: recoding over the pool's own table, with `threshold` (the
    /// highest of its programmes'), then complementary suppression among the pool's offered
    /// cells until no protected cell of the pool or of any programme can be recomputed from
    /// everything the pool and its programmes publish. Deterministic.
    public static func release(pool: RecodedTable, threshold: Int, members: [PooledMember]) -> Release {
        let memberID = { (index: Int, id: String) in "\(index)#\(id)" }
        var joint = pool.table
        var unknown: Set<String> = []
        var protected: Set<String> = []
        for (index, member) in members.enumerated() {
            let table = member.recoded.table
            for (id, value) in table.cells { joint.cells[memberID(index, id)] = value }
            for (id, households) in table.households { joint.households[memberID(index, id)] = households }
            joint.equations += table.equations.map {
                .init(total: memberID(index, $0.total), parts: $0.parts.map { memberID(index, $0) })
            }
            let offered = member.recoded.offered(member.release.chosen)
            for id in table.cells.keys {
                if !offered.contains(id) || member.release.hidden[id] != nil { unknown.insert(memberID(index, id)) }
                if member.release.hidden[id] != nil || table.small(id, threshold: member.threshold) {
                    protected.insert(memberID(index, id))
                }
            }
        }
        // A category a programme never had is 0 there, which its report shows by leaving it out.
        for id in pool.table.cells.keys.sorted() {
            joint.equations.append(
                .init(
                    total: id,
                    parts: members.indices.filter { members[$0].recoded.table.cells[id] != nil }.map {
                        memberID($0, id)
                    }
                ))
        }
        return release(pool, threshold: threshold, within: joint, unknown: unknown, protecting: protected)
    }
}
