using ZkDiscovery.Testing.Internal;

namespace ZkDiscovery.Testing;

/// <summary>
/// One server of a <see cref="ZooKeeperTestEnsemble"/>. Kill, stop and start it to test failover.
/// Lifecycle methods of one member must not be called concurrently.
/// </summary>
public sealed class ZooKeeperEnsembleMember
{
    private readonly ZooKeeperNode _node;
    private readonly ZooKeeperTestEnsemble _ensemble;
    private readonly TimeSpan _readinessTimeout;

    internal ZooKeeperEnsembleMember(int id, ZooKeeperNode node, ZooKeeperTestEnsemble ensemble, TimeSpan readinessTimeout)
    {
        Id = id;
        _node = node;
        _ensemble = ensemble;
        _readinessTimeout = readinessTimeout;
    }

    /// <summary>Gets the server id (<c>myid</c>, 1-based).</summary>
    public int Id { get; }

    /// <summary>Gets the client port on 127.0.0.1.</summary>
    public int Port => _node.ClientPort;

    /// <summary>Gets this member's connection string, <c>127.0.0.1:PORT</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Gets the member's <c>dataDir</c>.</summary>
    public string DataDirectory => _node.DataDirectory;

    /// <summary>Gets the file receiving the member's output.</summary>
    public string LogFile => _node.LogPath;

    /// <summary>Gets a value indicating whether the member's process is alive (it may not be serving).</summary>
    public bool IsRunning => _node.IsRunning;

    /// <summary>Gets the PID of the most recently started process of this member (it may have exited since).</summary>
    public int ProcessId => _node.ProcessId;

    internal ZooKeeperNode Node => _node;

    /// <summary>Kills the member with SIGKILL (<c>kill -9</c>) and waits until it has exited.</summary>
    /// <param name="cancellationToken">Cancels the wait for the exit.</param>
    /// <returns>A task completing once the process has exited.</returns>
    public Task KillAsync(CancellationToken cancellationToken = default)
    {
        _ensemble.ThrowIfDisposed();
        return _node.KillAsync(cancellationToken);
    }

    /// <summary>Stops the member with SIGTERM, then SIGKILL if it has not exited within 10 s.</summary>
    /// <param name="cancellationToken">Cancels the wait for the exit.</param>
    /// <returns>A task completing once the process has exited.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        _ensemble.ThrowIfDisposed();
        return _node.StopAsync(cancellationToken);
    }

    /// <summary>
    /// Starts the member again with the same configuration, ports and data, and waits until its JVM answers on
    /// the client port. Does nothing if it is running. It serves only once it has joined a quorum: await
    /// <see cref="ZooKeeperTestEnsemble.WaitForQuorumAsync"/> for that.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task completing once the member listens.</returns>
    /// <exception cref="ZooKeeperTestServerException">The member exited or did not listen within the readiness timeout.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _ensemble.ThrowIfDisposed();
        if (_node.IsRunning)
        {
            return;
        }

        _node.Launch();
        await _node.WaitUntilListeningAsync(_readinessTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the member for its mode with <c>srvr</c>.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><c>"leader"</c> or <c>"follower"</c>, or <see langword="null"/> when not serving (stopped, or no quorum).</returns>
    public Task<string?> GetModeAsync(CancellationToken cancellationToken = default) => _node.GetModeAsync(cancellationToken);

    /// <summary>Sends a four-letter admin command to this member.</summary>
    /// <param name="command">Four lower-case letters, for example <c>srvr</c> or <c>mntr</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The member's whole reply.</returns>
    /// <exception cref="ArgumentException"><paramref name="command"/> is not four lower-case letters.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">Nothing listens on the port.</exception>
    /// <exception cref="TimeoutException">No complete reply within 5 s.</exception>
    public Task<string> SendFourLetterWordAsync(string command, CancellationToken cancellationToken = default)
    {
        FourLetterWords.Validate(command);
        return FourLetterWords.SendAsync(Port, command, FourLetterWords.DefaultTimeout, cancellationToken);
    }

    /// <inheritdoc/>
    public override string ToString() => $"ZooKeeper member {Id} {ConnectionString} (PID {ProcessId})";
}
