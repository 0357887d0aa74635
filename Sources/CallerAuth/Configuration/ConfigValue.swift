import Foundation
import JOSE

/// A parsed configuration value (booleans apart from numbers, so validation can say
/// "expected true or false" precisely), read with JOSE's strict parser: a trailing comma, a
/// duplicate key or a stray character is an error with its line and column, never a guess.
indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([ConfigValue])
    case object([String: ConfigValue])

    init(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .number(let number): self = .number(number)
        case .bool(let flag): self = .bool(flag)
        case .null: self = .null
        case .array(let elements): self = .array(elements.map(ConfigValue.init))
        case .object(let members): self = .object(members.mapValues(ConfigValue.init))
        }
    }

    /// A short name of the JSON type, for messages ("expected a string, found a number").
    var typeName: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Parses JSON text; the error says where ("line 4, column 5: trailing comma before '}'")
    /// and is safe to show (it quotes nothing from the file).
    static func parse(_ data: Data) throws -> ConfigValue {
        do {
            return ConfigValue(try JSONValue.parseLocated(data))
        } catch {
            throw ConfigurationError(.malformed, problems: [ConfigurationProblem(path: "", "not valid JSON: \(error)")])
        }
    }
}

/// Reads typed fields out of `ConfigValue` objects, recording a problem (with its JSON
/// path) for every missing, mistyped or unknown key instead of stopping at the first.
struct ConfigReader {
    var problems: [ConfigurationProblem] = []

    mutating func problem(_ path: String, _ message: String) {
        problems.append(ConfigurationProblem(path: path, message))
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The object at `path`, reporting keys not in `allowed` (typos must not pass silently).
    mutating func object(_ value: ConfigValue?, path: String, allowed: [String]) -> [String: ConfigValue]? {
        guard let value else { return nil }
        guard case .object(let fields) = value else {
            problem(path, "expected an object, found \(value.typeName)")
            return nil
        }
        for key in fields.keys.sorted() where !allowed.contains(key) {
            problem(Self.join(path, key), "unknown key (allowed: \(allowed.joined(separator: ", ")))")
        }
        return fields
    }

    /// A string, or nil when absent or null. Reports other types.
    mutating func string(_ fields: [String: ConfigValue], _ key: String, path: String) -> String? {
        guard let value = fields[key] else { return nil }
        switch value {
        case .string(let s): return s
        case .null: return nil
        default:
            problem(Self.join(path, key), "expected a string, found \(value.typeName)")
            return nil
        }
    }

    mutating func bool(_ fields: [String: ConfigValue], _ key: String, path: String) -> Bool? {
        guard let value = fields[key] else { return nil }
        switch value {
        case .bool(let b): return b
        case .null: return nil
        default:
            problem(Self.join(path, key), "expected true or false, found \(value.typeName)")
            return nil
        }
    }

    /// A whole number within `range`.
    mutating func integer(_ fields: [String: ConfigValue], _ key: String, path: String, range: ClosedRange<Int>) -> Int? {
        guard let value = fields[key] else { return nil }
        switch value {
        case .number(let d):
            guard d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
                problem(Self.join(path, key), "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(MetricsRegistry.number(d))")
                return nil
            }
            return Int(d)
        case .null: return nil
        default:
            problem(Self.join(path, key), "expected a number, found \(value.typeName)")
            return nil
        }
    }

    mutating func stringArray(_ fields: [String: ConfigValue], _ key: String, path: String) -> [String]? {
        guard let value = fields[key] else { return nil }
        switch value {
        case .array(let items):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                if case .string(let s) = item { out.append(s) } else {
                    problem("\(Self.join(path, key))[\(i)]", "expected a string, found \(item.typeName)")
                }
            }
            return out
        case .null: return nil
        default:
            problem(Self.join(path, key), "expected an array of strings, found \(value.typeName)")
            return nil
        }
    }

    /// An object whose values are all strings (`extraParameters`, `claimVariables`).
    mutating func stringMap(_ fields: [String: ConfigValue], _ key: String, path: String) -> [String: String]? {
        guard let value = fields[key] else { return nil }
        switch value {
        case .object(let items):
            var out: [String: String] = [:]
            // In key order: the problems of one file are the same list every time (a
            // Dictionary's order differs between instances; found by the config fuzz target).
            for (k, item) in items.sorted(by: { $0.key < $1.key }) {
                if case .string(let s) = item { out[k] = s } else {
                    problem(Self.join(Self.join(path, key), k), "expected a string, found \(item.typeName)")
                }
            }
            return out
        case .null: return nil
        default:
            problem(Self.join(path, key), "expected an object of strings, found \(value.typeName)")
            return nil
        }
    }
}
