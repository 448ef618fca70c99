using ZkDiscovery.Testing.Internal;

namespace ZkDiscovery.Testing;

/// <summary>
/// A real standalone ZooKeeper server (a <c>java</c> process running <c>ZooKeeperServerMain</c>) listening on
/// 127.0.0.1 on a port chosen at run time, for integration tests.
/// </summary>
/// <remarks>
/// <para>
/// Start one with <see cref="StartAsync"/> and dispose it when done: <see cref="DisposeAsync"/> kills the JVM and
/// deletes the temporary directory. Servers still alive when the test process exits are killed then.
/// Supported on Linux and macOS. Lifecycle methods (<see cref="KillAsync"/>, <see cref="StopAsync"/>,
/// <see cref="RestartAsync"/>) must not be called concurrently; the other members are thread-safe.
/// </para>
/// </remarks>
public sealed class ZooKeeperTestServer : IAsyncDisposable
{
    private const int MaxStartAttempts = 5;

    private readonly TestDirectory _directory;
    private readonly ZooKeeperNode _node;
    private readonly TimeSpan _readinessTimeout;
    private int _disposed;

    private ZooKeeperTestServer(TestDirectory directory, ZooKeeperNode node, TimeSpan readinessTimeout)
    {
        _directory = directory;
        _node = node;
        _readinessTimeout = readinessTimeout;
        ProcessRegistry.Register(this, CleanUpAtExit);
    }

    /// <summary>Gets the client port on 127.0.0.1.</summary>
    public int Port => _node.ClientPort;

    /// <summary>Gets the connection string, <c>127.0.0.1:PORT</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Gets the server's <c>dataDir</c> (snapshots and transaction logs); kept across <see cref="RestartAsync"/>.</summary>
    public string DataDirectory => _node.DataDirectory;

    /// <summary>Gets the file receiving the server's output (its log when slf4j-simple is on the class path).</summary>
    public string LogFile => _node.LogPath;

    /// <summary>Gets a value indicating whether the server process is alive (it may not be serving yet).</summary>
    public bool IsRunning => _node.IsRunning;

    /// <summary>Gets the PID of the most recently started server process (it may have exited since).</summary>
    public int ProcessId => _node.ProcessId;

    /// <summary>Starts a standalone server and waits until it serves requests.</summary>
    /// <param name="options">Settings; <see langword="null"/> = defaults (tick 200 ms, max session 30 s).</param>
    /// <param name="cancellationToken">Cancels the wait; the half-started server is then killed.</param>
    /// <returns>The serving server.</returns>
    /// <exception cref="ZooKeeperInstallationNotFoundException">Java or ZooKeeper is not installed.</exception>
    /// <exception cref="ZooKeeperTestServerException">The server exited or did not serve within <see cref="ZooKeeperTestServerOptions.ReadinessTimeout"/>.</exception>
    public static async Task<ZooKeeperTestServer> StartAsync(ZooKeeperTestServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ZooKeeperTestServerOptions();
        options.Validate();
        ZooKeeperInstallation installation = options.Installation ?? ZooKeeperInstallation.Locate();
        var directory = TestDirectory.Create(options.BaseDirectory);
        var node = new ZooKeeperNode(directory.Path, ZooKeeperNode.StandaloneMainClass, installation, options);
        var server = new ZooKeeperTestServer(directory, node, options.ReadinessTimeout);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                int port = FreePorts.Take(1)[0];
                node.Configure(port, [], ZooKeeperConfig.Build(options, node.DataDirectory, port, []), myId: null);
                node.Launch();
                try
                {
                    await node.WaitUntilServingAsync(options.ReadinessTimeout, cancellationToken).ConfigureAwait(false);
                    return server;
                }
                catch (ZooKeeperTestServerException) when (attempt < MaxStartAttempts && node.DiedOfPortConflict())
                {
                    // Another process took the port between choosing and binding it: choose again.
                }
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the server with SIGKILL (a crash: no clean shutdown) and waits until it has exited.</summary>
    /// <param name="cancellationToken">Cancels the wait for the exit.</param>
    /// <returns>A task completing once the process has exited.</returns>
    public Task KillAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _node.KillAsync(cancellationToken);
    }

    /// <summary>Stops the server with SIGTERM, then SIGKILL if it has not exited within 10 s.</summary>
    /// <param name="cancellationToken">Cancels the wait for the exit.</param>
    /// <returns>A task completing once the process has exited.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _node.StopAsync(cancellationToken);
    }

    /// <summary>
    /// Starts the server again on the same port with the same data directory (stopping it first if it runs)
    /// and waits until it serves. Data written before is still there.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task completing once the server serves.</returns>
    /// <exception cref="ZooKeeperTestServerException">The server exited or did not serve within the readiness timeout.</exception>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _node.StopAsync(cancellationToken).ConfigureAwait(false);
        _node.Launch();
        await _node.WaitUntilServingAsync(_readinessTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the server for its mode with <c>srvr</c>.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><c>"standalone"</c> (or <c>"leader"</c>/<c>"follower"</c> for ensemble members), or <see langword="null"/> when not serving.</returns>
    public Task<string?> GetModeAsync(CancellationToken cancellationToken = default) => _node.GetModeAsync(cancellationToken);

    /// <summary>Sends a four-letter admin command (all are enabled, for example <c>srvr</c>, <c>mntr</c>, <c>cons</c>, <c>dump</c>).</summary>
    /// <param name="command">Four lower-case letters.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The server's whole reply.</returns>
    /// <exception cref="ArgumentException"><paramref name="command"/> is not four lower-case letters.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">Nothing listens on the port.</exception>
    /// <exception cref="TimeoutException">No complete reply within 5 s.</exception>
    public Task<string> SendFourLetterWordAsync(string command, CancellationToken cancellationToken = default)
    {
        FourLetterWords.Validate(command);
        return FourLetterWords.SendAsync(Port, command, FourLetterWords.DefaultTimeout, cancellationToken);
    }

    /// <summary>Kills the server process and deletes its temporary directory. Safe to call more than once.</summary>
    /// <returns>A task completing once the process has exited.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _node.KillAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _node.DisposeProcess();
            _directory.DeleteIfOwned();
            ProcessRegistry.Unregister(this);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"ZooKeeper standalone {ConnectionString} (PID {ProcessId})";

    private void CleanUpAtExit()
    {
        _node.Kill();
        _directory.DeleteIfOwned();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
