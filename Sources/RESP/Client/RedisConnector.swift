import Sockets

/// Opens one logged-in connection: resolve, TCP connect, TLS for `rediss://`, then AUTH,
/// SELECT and PING in one round trip (the PING proves the credentials are enough to work).
enum RedisConnector {
    static func open(_ configuration: RedisClientConfiguration) async throws -> RedisConnection {
        let endpoint = configuration.endpoint
        let deadline = ContinuousClock.now + configuration.connectTimeout
        let address = try await HostResolver.resolve(endpoint.host, port: endpoint.port)
        var stream: any RedisByteStream
        do {
            stream = try await TCPConnection.connect(to: address, timeout: max(.milliseconds(1), deadline - .now))
        } catch let error as SocketError {
            throw RedisError(.connectionFailed, "cannot connect to \(endpoint.server): \(error.reason)")
        }
        if endpoint.useTLS {
            guard let tls = configuration.tls else {
                stream.close()
                throw RedisError(.invalidConfiguration, "rediss:// needs TLS, which this build of the client was not given")
            }
            do {
                stream = try await tls.upgrade(stream, endpoint.host, max(.milliseconds(1), deadline - .now))
            } catch {
                stream.close()
                throw RedisError(.tlsFailed, "TLS with \(endpoint.server) failed: \(error)")
            }
        }
        let connection = RedisConnection(stream: stream, server: endpoint.server, limits: configuration.limits)
        var login: [RedisCommand] = []
        if let password = endpoint.password {
            login.append(RedisCommand("AUTH", endpoint.username.map { [$0, password] } ?? [password]))
        }
        if endpoint.database != 0 { login.append(RedisCommand("SELECT", [String(endpoint.database)])) }
        login.append(RedisCommand("PING"))
        do {
            let replies = try await connection.execute(login, timeout: max(.milliseconds(1), deadline - .now))
            for (command, reply) in zip(login, replies) {
                if case .error(let text) = reply {
                    throw loginError(text, command: command.name, endpoint: endpoint)
                }
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private static func loginError(_ text: String, command: String, endpoint: RedisEndpoint) -> RedisError {
        let error = RedisError.fromReply(text, command: command, server: endpoint.server)
        guard error.kind == .authenticationFailed else { return error }
        let who = endpoint.username.map { "user \($0)" } ?? "the default user"
        let hint: String
        switch error.serverCode {
        case "NOAUTH": hint = "the server requires a password: put it in the URL or in sharedState.passwordFile"
        case "WRONGPASS": hint = "wrong password or user name for \(who)"
        default: hint = "the server refused the credentials for \(who)"
        }
        return RedisError(.authenticationFailed, "\(endpoint.server): \(hint) (\(error.serverCode ?? "ERR"))", serverCode: error.serverCode)
    }
}
