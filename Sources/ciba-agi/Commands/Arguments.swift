import Foundation

/// A usage mistake on the command line: exit code 2 and one line on stderr.
struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// A failure while running: exit code 1 and one line on stderr.
struct RuntimeFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Hand-written option parsing (no package dependencies): `--name value`, `--name=value`
/// and boolean `--flag`. Anything unknown is a usage error naming the option.
struct ParsedArguments {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    /// - Parameters:
    ///   - valueOptions: options that take a value (without `--`).
    ///   - flagOptions: options without a value (`help` is always allowed).
    static func parse(_ arguments: [String], command: String, valueOptions: Set<String>, flagOptions: Set<String> = []) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-h" || argument == "--help" {
                parsed.flags.insert("help")
                continue
            }
            guard argument.hasPrefix("--") else {
                throw UsageError("\(command): unexpected argument '\(argument)' (see ciba-agi \(command) --help)")
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String? = nil
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if flagOptions.contains(name) {
                if inlineValue != nil { throw UsageError("\(command): --\(name) takes no value") }
                parsed.flags.insert(name)
            } else if valueOptions.contains(name) {
                if let inlineValue {
                    parsed.values[name] = inlineValue
                } else {
                    guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                        throw UsageError("\(command): --\(name) needs a value")
                    }
                    parsed.values[name] = arguments[index]
                    index += 1
                }
            } else {
                throw UsageError("\(command): unknown option --\(name) (see ciba-agi \(command) --help)")
            }
        }
        return parsed
    }

    var wantsHelp: Bool { flags.contains("help") }

    func integer(_ name: String, command: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("\(command): --\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func number(_ name: String, command: String, range: ClosedRange<Double>) throws -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), range.contains(value) else {
            throw UsageError("\(command): --\(name) must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}

/// Writes one line to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
