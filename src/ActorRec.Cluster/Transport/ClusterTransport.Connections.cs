using System.Buffers;
using System.Net.Sockets;
using ActorRec.Cluster.Wire;
using Google.Protobuf;

namespace ActorRec.Cluster.Transport;

/// <summary>Dialing, accepting, the handshake of each side, and the receive loop.</summary>
public sealed partial class ClusterTransport
{
    internal async Task<FrameConnection?> DialAsync(PeerLink link, CancellationToken stop)
    {
        var (host, port) = ParseAddress(link.Address);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        FrameConnection? connection = null;
        using var timeout = new CancellationTokenSource(_settings.HandshakeTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        var ct = linked.Token;
        try
        {
            await socket.ConnectAsync(host, port, ct).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (Tls is not null)
            {
                stream = await Tls.AuthenticateAsClientAsync(stream, ct).ConfigureAwait(false);
            }

            connection = new FrameConnection(socket, stream, _settings, dialedByUs: true);
            var nonce = HandshakeProtocol.NewNonce();
            connection.Write(FrameKind.Hello, new Hello
            {
                ProtocolVersion = HandshakeProtocol.ProtocolVersion,
                ClusterName = _settings.ClusterName,
                NodeName = Self.NodeName,
                Incarnation = Incarnation,
                Address = Self.Address,
                Nonce = ByteString.CopyFrom(nonce),
            });
            await connection.FlushAsync(ct).ConfigureAwait(false);

            var (kind, reply) = await connection.ReadFrameAsync(HelloReply.Parser, ct).ConfigureAwait(false);
            if (kind == FrameKind.Reject)
            {
                return RefusedByPeer(link.Address, connection);
            }

            if (kind != FrameKind.HelloReply || reply is null)
            {
                throw new HandshakeException($"expected HelloReply, got {kind}");
            }

            if (reply.ProtocolVersion != HandshakeProtocol.ProtocolVersion)
            {
                throw new HandshakeException($"peer speaks protocol version {reply.ProtocolVersion}, this node {HandshakeProtocol.ProtocolVersion}");
            }

            var expected = HandshakeProtocol.ComputeProof(_secret, "acceptor", nonce, reply.Nonce.Span, reply.NodeName, Self.NodeName);
            if (!HandshakeProtocol.Verify(expected, reply.Proof.Span))
            {
                Interlocked.Increment(ref Counters.HandshakesRefusedValue);
                LogPeerFailedProof(link.Address, reply.NodeName);
                connection.Write(FrameKind.Reject, new Reject { Reason = "refused: your proof of the cluster secret is wrong" });
                await connection.FlushAsync(ct).ConfigureAwait(false);
                await connection.CloseGracefullyAsync().ConfigureAwait(false);
                connection.Abort();
                return null;
            }

            var proof = HandshakeProtocol.ComputeProof(_secret, "dialer", nonce, reply.Nonce.Span, Self.NodeName, reply.NodeName);
            connection.Write(FrameKind.Proof, new Proof { Proof_ = ByteString.CopyFrom(proof) });
            await connection.FlushAsync(ct).ConfigureAwait(false);
            var (final, _) = await connection.ReadFrameAsync(Accept.Parser, ct).ConfigureAwait(false);
            if (final == FrameKind.Reject)
            {
                return RefusedByPeer(link.Address, connection);
            }

            if (final != FrameKind.Accept)
            {
                throw new HandshakeException($"expected Accept, got {final}");
            }

            connection.Peer = new PeerIdentity(reply.NodeName, reply.Incarnation, link.Address);
            connection.DialerAddress = Self.Address;
            await EstablishedAsync(link, connection).ConfigureAwait(false);
            return link.Active;
        }
        catch (Exception ex) when (ex is SocketException or IOException or HandshakeException or InvalidProtocolBufferException
                                       or OperationCanceledException or ObjectDisposedException
                                       or System.Security.Authentication.AuthenticationException)
        {
            if (connection is not null)
            {
                connection.Abort();
            }
            else
            {
                socket.Dispose();
            }

            if (stop.IsCancellationRequested)
            {
                throw new OperationCanceledException(stop);
            }

            LogDialFailed(link.Address, ex.Message);
            return null;
        }
    }

    private FrameConnection? RefusedByPeer(string address, FrameConnection connection)
    {
        Interlocked.Increment(ref Counters.HandshakesRefusedValue);
        LogRefusedByPeer(address, connection.RejectReason ?? "");
        connection.Abort();
        return null;
    }

    private async Task AcceptPeerAsync(Socket socket)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        using var timeout = new CancellationTokenSource(_settings.HandshakeTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, timeout.Token);
        var ct = linked.Token;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (Tls is not null)
        {
            try
            {
                stream = await Tls.AuthenticateAsServerAsync(stream, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException
                                           or SocketException or ObjectDisposedException)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                if (!_stopping.IsCancellationRequested)
                {
                    Interlocked.Increment(ref Counters.HandshakesRefusedValue);
                    LogInboundHandshakeFailed(remote, "TLS: " + ex.Message);
                }

                return;
            }
        }

        var connection = new FrameConnection(socket, stream, _settings, dialedByUs: false);
        try
        {
            var (kind, hello) = await connection.ReadFrameAsync(Hello.Parser, ct).ConfigureAwait(false);
            if (kind != FrameKind.Hello || hello is null)
            {
                throw new HandshakeException($"expected Hello, got {kind}");
            }

            if (hello.ProtocolVersion != HandshakeProtocol.ProtocolVersion)
            {
                await RefuseAsync(connection, remote, hello.NodeName,
                    $"protocol version {hello.ProtocolVersion} is not supported (this node speaks {HandshakeProtocol.ProtocolVersion})", ct).ConfigureAwait(false);
                return;
            }

            if (!string.Equals(hello.ClusterName, _settings.ClusterName, StringComparison.Ordinal))
            {
                await RefuseAsync(connection, remote, hello.NodeName,
                    $"cluster '{hello.ClusterName}' is not this node's cluster '{_settings.ClusterName}'", ct).ConfigureAwait(false);
                return;
            }

            var nonce = HandshakeProtocol.NewNonce();
            connection.Write(FrameKind.HelloReply, new HelloReply
            {
                ProtocolVersion = HandshakeProtocol.ProtocolVersion,
                NodeName = Self.NodeName,
                Incarnation = Incarnation,
                Address = Self.Address,
                Nonce = ByteString.CopyFrom(nonce),
                Proof = ByteString.CopyFrom(HandshakeProtocol.ComputeProof(_secret, "acceptor", hello.Nonce.Span, nonce, Self.NodeName, hello.NodeName)),
            });
            await connection.FlushAsync(ct).ConfigureAwait(false);

            var (proofKind, proof) = await connection.ReadFrameAsync(Proof.Parser, ct).ConfigureAwait(false);
            if (proofKind == FrameKind.Reject)
            {
                Interlocked.Increment(ref Counters.HandshakesRefusedValue);
                LogRefusedPeer(remote, hello.NodeName, "it could not verify our proof, so it holds another cluster secret (" + connection.RejectReason + ")");
                connection.Abort();
                return;
            }

            if (proofKind != FrameKind.Proof || proof is null)
            {
                throw new HandshakeException($"expected Proof, got {proofKind}");
            }

            var expected = HandshakeProtocol.ComputeProof(_secret, "dialer", hello.Nonce.Span, nonce, hello.NodeName, Self.NodeName);
            if (!HandshakeProtocol.Verify(expected, proof.Proof_.Span))
            {
                await RefuseAsync(connection, remote, hello.NodeName, "it did not prove the cluster secret", ct).ConfigureAwait(false);
                return;
            }

            connection.Write(FrameKind.Accept, new Accept());
            await connection.FlushAsync(ct).ConfigureAwait(false);
            connection.Peer = new PeerIdentity(hello.NodeName, hello.Incarnation, hello.Address);
            connection.DialerAddress = hello.Address;
            await EstablishedAsync(LinkFor(hello.Address), connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or HandshakeException or InvalidProtocolBufferException
                                       or OperationCanceledException or ObjectDisposedException)
        {
            connection.Abort();
            if (!_stopping.IsCancellationRequested)
            {
                Interlocked.Increment(ref Counters.HandshakesRefusedValue);
                LogInboundHandshakeFailed(remote, ex.Message);
            }
        }
    }

    private async Task RefuseAsync(FrameConnection connection, string remote, string claimedName, string reason, CancellationToken ct)
    {
        Interlocked.Increment(ref Counters.HandshakesRefusedValue);
        LogRefusedPeer(remote, claimedName, reason);
        connection.Write(FrameKind.Reject, new Reject { Reason = "refused: " + reason });
        await connection.FlushAsync(ct).ConfigureAwait(false);
        await connection.CloseGracefullyAsync().ConfigureAwait(false);
        connection.Abort();
    }

    private async Task EstablishedAsync(PeerLink link, FrameConnection connection)
    {
        var peer = connection.Peer!;
        var adopted = link.Adopt(connection, Self.Address);
        _ = Task.Run(() => ReceiveLoopAsync(link, connection));
        if (adopted)
        {
            Interlocked.Increment(ref Counters.ConnectionsEstablishedValue);
            LogConnected(peer.NodeName, peer.Incarnation, peer.Address, connection.DialedByUs ? "outbound" : "inbound");
            _handler.OnPeerConnected(peer);
        }
        else
        {
            // A crossing connection won the tie-break: keep receiving on this one until the peer closes it too.
            LogDuplicateConnection(peer.Address);
            await connection.CloseGracefullyAsync().ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync(PeerLink link, FrameConnection connection)
    {
        var peer = connection.Peer!;
        var input = connection.Input;
        var max = connection.MaxFrameSize;
        var closedByPeer = false;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(_stopping.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    var status = FrameCodec.TryRead(ref buffer, max, out var kind, out var body, out var length);
                    if (status == FrameReadStatus.Frame)
                    {
                        if (!Dispatch(connection, peer, kind, body))
                        {
                            return;
                        }

                        continue;
                    }

                    if (status == FrameReadStatus.TooLarge)
                    {
                        LogFrameTooLarge(peer.NodeName, connection.RemoteEndPoint?.ToString() ?? "?", length, max);
                        return;
                    }

                    if (status == FrameReadStatus.Invalid)
                    {
                        LogInvalidFrame(peer.NodeName, length);
                        return;
                    }

                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    closedByPeer = result.IsCompleted;
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException
                                       or InvalidOperationException)
        {
            if (!_stopping.IsCancellationRequested)
            {
                LogReceiveFailed(peer.NodeName, ex.Message);
            }
        }
        finally
        {
            // The peer closed its send side: it may be the loser of a crossing dial, still reading what this node wrote
            // before it adopted the winner. Stop writing new frames to it (OnClosed) and flush what was already handed
            // to it (RetireAsync waits for the batch in progress) before closing, instead of aborting them away.
            var flush = closedByPeer && !_stopping.IsCancellationRequested;
            if (!flush)
            {
                connection.Abort();
            }

            if (link.OnClosed(connection) && !_stopping.IsCancellationRequested)
            {
                LogDisconnected(peer.NodeName, peer.Address);
                _handler.OnPeerDisconnected(peer);
            }

            if (flush)
            {
                try
                {
                    await link.RetireAsync(connection).WaitAsync(TimeSpan.FromSeconds(5), Time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    connection.Abort(); // a writer stuck on a peer that stopped reading: give up the flush
                }
            }
        }
    }

    /// <summary>Hands one frame to the handler; false on a protocol violation (the connection is then closed).</summary>
    private bool Dispatch(FrameConnection connection, PeerIdentity peer, FrameKind kind, in ReadOnlySequence<byte> body)
    {
        try
        {
            switch (kind)
            {
                case FrameKind.EnvelopeBatch:
                    return DispatchBatch(connection, peer, body);
                case FrameKind.Envelope:
                    var envelope = RemoteEnvelope.Parser.ParseFrom(body);
                    Interlocked.Increment(ref Counters.FramesReceivedValue);
                    _handler.OnEnvelope(peer, envelope);
                    return true;
                case FrameKind.Heartbeat:
                    Interlocked.Increment(ref Counters.FramesReceivedValue);
                    _handler.OnHeartbeat(peer, Heartbeat.Parser.ParseFrom(body));
                    return true;
                case FrameKind.Gossip:
                    Interlocked.Increment(ref Counters.FramesReceivedValue);
                    _handler.OnGossip(peer, MembershipGossip.Parser.ParseFrom(body).TableVersion);
                    return true;
                default:
                    LogUnexpectedFrame(peer.NodeName, (byte)kind);
                    return false;
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            // Framing is intact, only this body is bad: drop the frame and keep the connection.
            LogMalformedFrame(ex, peer.NodeName, kind.ToString());
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A handler bug must not take the connection (and every later message from this peer) down with it.
            LogHandlerFailed(ex, kind.ToString(), peer.NodeName);
            return true;
        }
    }

    /// <summary>
    /// Decodes an envelope batch and hands each message to the handler. A malformed batch breaks the connection's
    /// string table (later batches would be misread), so it closes the connection; the peer reconnects with fresh tables.
    /// </summary>
    private bool DispatchBatch(FrameConnection connection, PeerIdentity peer, in ReadOnlySequence<byte> body)
    {
        byte[]? rented = null;
        var span = body.IsSingleSegment ? body.FirstSpan : CopyToRented(body, out rented);
        try
        {
            var ok = connection.BatchDecoder.Decode(span, (Transport: this, Peer: peer), static (state, envelope) =>
            {
                Interlocked.Increment(ref state.Transport.Counters.FramesReceivedValue);
                try
                {
                    state.Transport._handler.OnEnvelope(state.Peer, envelope);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A handler bug must not take the connection (and every later message from this peer) down with it.
                    state.Transport.LogHandlerFailed(ex, nameof(FrameKind.EnvelopeBatch), state.Peer.NodeName);
                }
            }, out var error);
            if (!ok)
            {
                LogMalformedBatch(peer.NodeName, error ?? "");
            }

            return ok;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ReadOnlySpan<byte> CopyToRented(in ReadOnlySequence<byte> body, out byte[] rented)
    {
        rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
        body.CopyTo(rented);
        return rented.AsSpan(0, (int)body.Length);
    }
}
