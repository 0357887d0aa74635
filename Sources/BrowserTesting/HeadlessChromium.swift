import Foundation
import JOSE
import ProcessSpawning
import Synchronization

/// Debian's `chromium` in headless mode, driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: Chromium reads commands on descriptor 3 and writes answers
/// and events on descriptor 4, each message one JSON text ended by a NUL byte).
///
/// For tests of the agent page: no port, no WebSocket, nothing reachable from outside. Every
/// command has a timeout; `close()` ends the browser and its reader thread.
public final class HeadlessChromium: Sendable {
    /// `chromium` (or `CIBA_AGI_CHROMIUM`) when installed, else nil.
    public static func executable(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let configured = environment["CIBA_AGI_CHROMIUM"], !configured.isEmpty { return configured }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let path = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    private let process: SpawnedProcess
    private let commands: Int32       // we write here (the child's 3)
    private let profileDirectory: String
    private let connection: DevToolsConnection

    /// Starts the browser with a fresh profile in a temporary directory.
    public init(executable: String, windowSize: (width: Int, height: Int) = (1280, 860)) throws {
        var toChild: [Int32] = [-1, -1]
        var fromChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
            throw BrowserError("cannot create the DevTools pipes")
        }
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // Keep the child's ends away from 3 and 4 while they are mapped there.
        let childReads = fcntl(toChild[0], F_DUPFD_CLOEXEC, 100)
        let childWrites = fcntl(fromChild[1], F_DUPFD_CLOEXEC, 100)
        Glibc.close(toChild[0])
        Glibc.close(fromChild[1])
        profileDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: profileDirectory, withIntermediateDirectories: true)
        let arguments = [
            executable, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--disable-component-update", "--mute-audio",
            "--user-data-dir=\(profileDirectory)", "--window-size=\(windowSize.width),\(windowSize.height)",
            "--lang=en-US", "about:blank",
        ]
        do {
            process = try SpawnedProcess.spawn(arguments, stdout: .discard, stderr: .file(profileDirectory + "/stderr.log"),
                                               descriptors: [3: childReads, 4: childWrites])
        } catch {
            Glibc.close(childReads); Glibc.close(childWrites); Glibc.close(toChild[1]); Glibc.close(fromChild[0])
            throw BrowserError("cannot start \(executable): \(error)")
        }
        Glibc.close(childReads)
        Glibc.close(childWrites)
        commands = toChild[1]
        connection = DevToolsConnection(reading: fromChild[0])
        connection.startReading()
    }

    /// Sends one DevTools command and returns its `result` (throws its `error`, or on timeout).
    @discardableResult
    public func send(_ method: String, _ params: [String: JSONValue] = [:], session: String? = nil,
                     timeout: Duration = .seconds(30)) async throws -> JSONValue {
        let id = connection.nextID()
        var message: [String: JSONValue] = ["id": .number(Double(id)), "method": .string(method), "params": .object(params)]
        if let session { message["sessionId"] = .string(session) }
        var encoded = try JSONValue.object(message).encoded()
        encoded.append(0)
        let bytes = encoded
        return try await connection.awaitAnswer(id: id, timeout: timeout, method: method) { [commands] in
            var written = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                written += n
            }
            return true
        }
    }

    /// A new tab attached in flat mode; its commands go with the returned session id.
    public func openPage() async throws -> BrowserPage {
        let target = try await send("Target.createTarget", ["url": "about:blank"])
        guard let targetID = target["targetId"]?.stringValue else { throw BrowserError("Target.createTarget gave no targetId") }
        let attached = try await send("Target.attachToTarget", ["targetId": .string(targetID), "flatten": true])
        guard let session = attached["sessionId"]?.stringValue else { throw BrowserError("Target.attachToTarget gave no sessionId") }
        let page = BrowserPage(browser: self, session: session)
        try await page.send("Page.enable")
        try await page.send("Runtime.enable")
        return page
    }

    /// Console messages and exceptions the pages reported (for test failure messages).
    public var consoleMessages: [String] { connection.console }

    /// Ends the browser (SIGTERM, then SIGKILL) and removes its profile.
    public func close() async {
        _ = try? await send("Browser.close", timeout: .seconds(5))
        if (try? await process.wait(timeout: .seconds(5))) == nil {
            process.signal(SIGKILL)
            _ = try? await process.wait(timeout: .seconds(5))
        }
        Glibc.close(commands)
        connection.stop()
        try? FileManager.default.removeItem(atPath: profileDirectory)
    }
}

/// One tab.
public struct BrowserPage: Sendable {
    let browser: HeadlessChromium
    let session: String

    @discardableResult
    public func send(_ method: String, _ params: [String: JSONValue] = [:], timeout: Duration = .seconds(30)) async throws -> JSONValue {
        try await browser.send(method, params, session: session, timeout: timeout)
    }

    public func navigate(_ url: String) async throws {
        try await send("Page.navigate", ["url": .string(url)])
    }

    /// Evaluates JavaScript (awaiting a returned promise) and returns its value.
    @discardableResult
    public func evaluate(_ expression: String, timeout: Duration = .seconds(30)) async throws -> JSONValue {
        let answer = try await send("Runtime.evaluate", ["expression": .string(expression), "returnByValue": true,
                                                          "awaitPromise": true], timeout: timeout)
        if let exception = answer["exceptionDetails"] {
            throw BrowserError("JavaScript failed: \(exception["exception"]?["description"]?.stringValue ?? exception["text"]?.stringValue ?? "?")")
        }
        return answer["result"]?["value"] ?? .null
    }

    /// Waits, inside the page, until `condition` (a JavaScript expression) is truthy; false on timeout.
    public func waitFor(_ condition: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        let milliseconds = Int(timeout.components.seconds * 1000)
        let script = """
        new Promise((resolve) => {
          const deadline = Date.now() + \(milliseconds);
          const check = () => {
            let ok = false;
            try { ok = !!(\(condition)); } catch (e) { ok = false; }
            if (ok) resolve(true); else if (Date.now() > deadline) resolve(false); else requestAnimationFrame(check);
          };
          check();
        })
        """
        return try await evaluate(script, timeout: timeout + .seconds(5)).boolValue ?? false
    }

    /// Types `text` into the focused element the way a keyboard does (input events).
    public func type(_ text: String) async throws {
        try await send("Input.insertText", ["text": .string(text)])
    }

    /// Presses a key (Tab, Enter, ...) with real key events.
    public func press(_ key: String, code: Int) async throws {
        for type in ["rawKeyDown", "keyUp"] {
            var params: [String: JSONValue] = ["type": .string(type), "key": .string(key), "code": .string(key),
                                               "windowsVirtualKeyCode": .number(Double(code))]
            if key == "Enter" && type == "rawKeyDown" { params["text"] = "\r" }
            try await send("Input.dispatchKeyEvent", params)
            if key == "Enter" && type == "rawKeyDown" {
                try await send("Input.dispatchKeyEvent", ["type": "char", "key": "Enter", "text": "\r"])
            }
        }
    }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        let answer = try await send("Page.captureScreenshot", ["format": "png"])
        guard let base64 = answer["data"]?.stringValue, let data = Data(base64Encoded: base64) else {
            throw BrowserError("Page.captureScreenshot gave no image")
        }
        return data
    }
}

/// A browser test step went wrong (timeout, DevTools error, failed script).
public struct BrowserError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
