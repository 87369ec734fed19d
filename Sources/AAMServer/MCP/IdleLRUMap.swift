import Foundation

/// A bounded map whose entries expire after `idle` seconds without use and whose least recently
/// used entry is evicted when a new one would exceed `capacity`. Pure value logic (the caller
/// passes the time), so expiry is tested with an injected clock.
///
/// Entries sit in a doubly linked list in recency order (keys link to keys), so a lookup, an
/// insert, an eviction and the expiry sweep are O(1) amortized: expired entries are always the
/// least recently used, at the tail.
struct IdleLRUMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Node: Sendable {
        var value: Value
        var lastUsed: Date
        var newer: Key?
        var older: Key?
    }

    let capacity: Int
    let idle: TimeInterval
    private var nodes: [Key: Node] = [:]
    /// Most recently used.
    private var newest: Key?
    /// Least recently used.
    private var oldest: Key?

    init(capacity: Int, idle: TimeInterval) {
        self.capacity = max(capacity, 1)  // a map that holds nothing would evict what it just stored
        self.idle = idle
    }

    var count: Int { nodes.count }

    /// The live value for `key`, marking it used now; nil if absent or expired.
    mutating func use(_ key: Key, now: Date) -> Value? {
        expire(now: now)
        guard nodes[key] != nil else { return nil }
        unlink(key)
        nodes[key]?.lastUsed = now
        linkNewest(key)
        return nodes[key]?.value
    }

    /// The live value for `key` without marking it used.
    func peek(_ key: Key, now: Date) -> Value? {
        guard let node = nodes[key], now.timeIntervalSince(node.lastUsed) < idle else { return nil }
        return node.value
    }

    /// Inserts or replaces `key`; returns what was evicted to make room (least recently used first).
    @discardableResult
    mutating func set(_ key: Key, _ value: Value, now: Date) -> [(Key, Value)] {
        var evicted = expire(now: now)
        if nodes[key] != nil {
            unlink(key)
        } else {
            while nodes.count >= capacity, let victim = oldest {
                unlink(victim)
                if let node = nodes.removeValue(forKey: victim) { evicted.append((victim, node.value)) }
            }
        }
        nodes[key] = Node(value: value, lastUsed: now)
        linkNewest(key)
        return evicted
    }

    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard nodes[key] != nil else { return nil }
        unlink(key)
        return nodes.removeValue(forKey: key)?.value
    }

    /// Drops every entry idle for `idle` seconds or more; returns them.
    @discardableResult
    mutating func expire(now: Date) -> [(Key, Value)] {
        var expired: [(Key, Value)] = []
        while let key = oldest, let node = nodes[key], now.timeIntervalSince(node.lastUsed) >= idle {
            unlink(key)
            nodes.removeValue(forKey: key)
            expired.append((key, node.value))
        }
        return expired
    }

    private mutating func unlink(_ key: Key) {
        guard let node = nodes[key] else { return }
        if let newer = node.newer { nodes[newer]?.older = node.older } else { newest = node.older }
        if let older = node.older { nodes[older]?.newer = node.newer } else { oldest = node.newer }
        nodes[key]?.newer = nil
        nodes[key]?.older = nil
    }

    private mutating func linkNewest(_ key: Key) {
        nodes[key]?.older = newest
        nodes[key]?.newer = nil
        if let previous = newest { nodes[previous]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
    }
}
