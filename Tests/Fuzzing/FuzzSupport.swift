import Glibc

/// Shared by every fuzz target (compiled into each one by run.sh).
///
/// A broken invariant must stop the run the way a crash does, so libFuzzer saves the input:
/// `check` prints what was expected and aborts (libFuzzer catches SIGABRT as a crash).
@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    guard !condition() else { return }
    let text = "invariant broken at \(file):\(line): \(message())\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    abort()
}

/// The fuzzer's input as a byte array (libFuzzer owns the buffer only during the call).
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
