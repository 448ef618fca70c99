using System.Diagnostics;
using System.Globalization;
using System.Text;
using ZkDiscovery.Testing.Internal;

namespace ZkDiscovery.Testing;

/// <summary>
/// A real ZooKeeper ensemble (default 3 <c>QuorumPeerMain</c> processes) on 127.0.0.1 with client, quorum and
/// election ports chosen at run time, for failover tests.
/// </summary>
/// <remarks>
/// <see cref="DisposeAsync"/> kills every member and deletes the temporary directory; members still alive when
/// the test process exits are killed then. Supported on Linux and macOS.
/// </remarks>
public sealed class ZooKeeperTestEnsemble : IAsyncDisposable
{
    private const int MaxStartAttempts = 5;
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(50);

    private readonly TestDirectory _directory;
    private readonly ZooKeeperEnsembleMember[] _members;
    private readonly TimeSpan _readinessTimeout;
    private int _disposed;

    private ZooKeeperTestEnsemble(TestDirectory directory, ZooKeeperTestEnsembleOptions options, ZooKeeperInstallation installation)
    {
        _directory = directory;
        _readinessTimeout = options.ReadinessTimeout;
        _members = new ZooKeeperEnsembleMember[options.Size];
        for (int i = 0; i < options.Size; i++)
        {
            int id = i + 1;
            var node = new ZooKeeperNode(
                Path.Combine(directory.Path, id.ToString(CultureInfo.InvariantCulture)),
                ZooKeeperNode.QuorumMainClass,
                installation,
                options);
            _members[i] = new ZooKeeperEnsembleMember(id, node, this, options.ReadinessTimeout);
        }

        ProcessRegistry.Register(this, CleanUpAtExit);
    }

    /// <summary>Gets the connection string naming every member, <c>127.0.0.1:P1,127.0.0.1:P2,...</c>.</summary>
    public string ConnectionString => string.Join(',', _members.Select(member => member.ConnectionString));

    /// <summary>Gets the members, ordered by <see cref="ZooKeeperEnsembleMember.Id"/>.</summary>
    public IReadOnlyList<ZooKeeperEnsembleMember> Members => _members;

    /// <summary>Starts the members together and waits until they have formed a quorum with one leader.</summary>
    /// <param name="options">Settings; <see langword="null"/> = defaults (3 members, tick 200 ms, initLimit 10, syncLimit 5).</param>
    /// <param name="cancellationToken">Cancels the wait; the members are then killed.</param>
    /// <returns>The ensemble, every member serving.</returns>
    /// <exception cref="ZooKeeperInstallationNotFoundException">Java or ZooKeeper is not installed.</exception>
    /// <exception cref="ZooKeeperTestServerException">A member exited, or no quorum within <see cref="ZooKeeperTestServerOptions.ReadinessTimeout"/>.</exception>
    public static async Task<ZooKeeperTestEnsemble> StartAsync(ZooKeeperTestEnsembleOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ZooKeeperTestEnsembleOptions();
        options.Validate();
        ZooKeeperInstallation installation = options.Installation ?? ZooKeeperInstallation.Locate();
        var ensemble = new ZooKeeperTestEnsemble(TestDirectory.Create(options.BaseDirectory), options, installation);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                ensemble.Configure(options);
                foreach (ZooKeeperEnsembleMember member in ensemble._members)
                {
                    member.Node.Launch();
                }

                try
                {
                    await ensemble.WaitAsync(requireAll: true, cancellationToken).ConfigureAwait(false);
                    return ensemble;
                }
                catch (ZooKeeperTestServerException) when (attempt < MaxStartAttempts && ensemble._members.Any(m => m.Node.DiedOfPortConflict()))
                {
                    // A port was taken between choosing and binding it: kill the rest and choose new ports.
                    foreach (ZooKeeperEnsembleMember member in ensemble._members)
                    {
                        await member.Node.KillAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch
        {
            await ensemble.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until the running members all serve with exactly one leader among them (for example after a
    /// leader was killed, or members restarted).
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task completing once the running members are in quorum.</returns>
    /// <exception cref="InvalidOperationException">Fewer than a majority of members are running, so no quorum can form.</exception>
    /// <exception cref="ZooKeeperTestServerException">No quorum within the readiness timeout.</exception>
    public Task WaitForQuorumAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return WaitAsync(requireAll: false, cancellationToken);
    }

    /// <summary>Returns the member whose <c>srvr</c> says <c>Mode: leader</c>, waiting for an election if there is none yet.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The leader.</returns>
    /// <exception cref="InvalidOperationException">Fewer than a majority of members are running, so no leader can be elected.</exception>
    /// <exception cref="ZooKeeperTestServerException">No leader within the readiness timeout.</exception>
    public async Task<ZooKeeperEnsembleMember> GetLeaderAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            ZooKeeperEnsembleMember[] running = RunningMajorityOrThrow();
            string?[] modes = await Task.WhenAll(running.Select(m => m.GetModeAsync(cancellationToken))).ConfigureAwait(false);
            int leader = Array.IndexOf(modes, "leader");
            if (leader >= 0)
            {
                return running[leader];
            }

            if (stopwatch.Elapsed >= _readinessTimeout)
            {
                throw new ZooKeeperTestServerException(Describe($"No leader was elected within {_readinessTimeout.TotalSeconds:0.#} s.", modes, running));
            }

            await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills every member and deletes the temporary directory. Safe to call more than once.</summary>
    /// <returns>A task completing once every process has exited.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_members.Select(m => m.Node.KillAsync(CancellationToken.None))).ConfigureAwait(false);
        }
        finally
        {
            foreach (ZooKeeperEnsembleMember member in _members)
            {
                member.Node.DisposeProcess();
            }

            _directory.DeleteIfOwned();
            ProcessRegistry.Unregister(this);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"ZooKeeper ensemble {ConnectionString}";

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void Configure(ZooKeeperTestEnsembleOptions options)
    {
        int size = _members.Length;
        int[] ports = FreePorts.Take(3 * size);
        var serverLines = new List<string>
        {
            "initLimit=" + options.InitLimit.ToString(CultureInfo.InvariantCulture),
            "syncLimit=" + options.SyncLimit.ToString(CultureInfo.InvariantCulture),
        };
        for (int i = 0; i < size; i++)
        {
            serverLines.Add(string.Create(CultureInfo.InvariantCulture, $"server.{i + 1}=127.0.0.1:{ports[size + (2 * i)]}:{ports[size + (2 * i) + 1]}"));
        }

        for (int i = 0; i < size; i++)
        {
            ZooKeeperNode node = _members[i].Node;
            node.Configure(
                ports[i],
                [ports[size + (2 * i)], ports[size + (2 * i) + 1]],
                ZooKeeperConfig.Build(options, node.DataDirectory, ports[i], serverLines),
                myId: i + 1);
        }
    }

    private async Task WaitAsync(bool requireAll, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            ZooKeeperEnsembleMember[] running;
            if (requireAll)
            {
                ZooKeeperEnsembleMember? dead = _members.FirstOrDefault(m => !m.IsRunning);
                if (dead is not null)
                {
                    throw new ZooKeeperTestServerException(dead.Node.Describe(
                        $"ZooKeeper ensemble member {dead.Id} (127.0.0.1:{dead.Port}, PID {dead.ProcessId}) exited while the ensemble was starting."));
                }

                running = _members;
            }
            else
            {
                running = RunningMajorityOrThrow();
            }

            string?[] modes = await Task.WhenAll(running.Select(m => m.GetModeAsync(cancellationToken))).ConfigureAwait(false);
            bool allServing = modes.All(mode => mode is "leader" or "follower");
            if (allServing && modes.Count(mode => mode == "leader") == 1)
            {
                return;
            }

            if (stopwatch.Elapsed >= _readinessTimeout)
            {
                throw new ZooKeeperTestServerException(Describe($"The ensemble formed no quorum within {_readinessTimeout.TotalSeconds:0.#} s.", modes, running));
            }

            await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private ZooKeeperEnsembleMember[] RunningMajorityOrThrow()
    {
        ZooKeeperEnsembleMember[] running = _members.Where(m => m.IsRunning).ToArray();
        int majority = (_members.Length / 2) + 1;
        if (running.Length < majority)
        {
            throw new InvalidOperationException(
                $"Only {running.Length} of {_members.Length} members are running; a quorum needs {majority}. Start members first.");
        }

        return running;
    }

    private static string Describe(string what, string?[] modes, ZooKeeperEnsembleMember[] members)
    {
        var builder = new StringBuilder(what);
        for (int i = 0; i < members.Length; i++)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"--- member {members[i].Id}: mode {modes[i] ?? "(not serving)"}; ")
                .Append(members[i].Node.Describe(string.Empty).TrimStart());
        }

        return builder.ToString();
    }

    private void CleanUpAtExit()
    {
        foreach (ZooKeeperEnsembleMember member in _members)
        {
            member.Node.Kill();
        }

        _directory.DeleteIfOwned();
    }
}
