using Microsoft.Extensions.Logging;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// The clients shared by configuration providers: one <see cref="ZooKeeperClient"/> (one session) per connection
/// string and credentials, with one cache of the nodes its providers read, created by the first lease and disposed
/// when the last lease is returned.
/// </summary>
internal static class ZooKeeperClientPool
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<string, Entry> s_entries = new(StringComparer.Ordinal);

    /// <summary>Takes a lease on the shared client for these settings, creating and starting it if needed.</summary>
    public static Lease Acquire(string connectionString, string? digestCredentials, ILoggerFactory? loggerFactory, TimeProvider timeProvider)
    {
        var key = connectionString + "\n" + digestCredentials;
        Entry entry;
        lock (s_lock)
        {
            if (!s_entries.TryGetValue(key, out entry!))
            {
                var options = new ZooKeeperClientOptions
                {
                    ConnectionString = connectionString,
                    DigestCredentials = digestCredentials,
                };
                entry = new Entry(key, new ZooKeeperClient(options, loggerFactory, timeProvider));
                s_entries.Add(key, entry);
            }
            entry.References++;
        }
        entry.Client.Start();
        return new Lease(entry);
    }

    /// <summary>Number of shared clients alive (for tests).</summary>
    internal static int Count
    {
        get
        {
            lock (s_lock)
            {
                return s_entries.Count;
            }
        }
    }

    private static void Release(Entry entry)
    {
        lock (s_lock)
        {
            if (--entry.References > 0)
            {
                return;
            }
            s_entries.Remove(entry.Key);
        }
        // Bounded: closing sends CloseSession when connected and gives up otherwise.
        _ = entry.Client.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
    }

    internal sealed class Entry(string key, ZooKeeperClient client)
    {
        public string Key { get; } = key;

        public ZooKeeperClient Client { get; } = client;

        /// <summary>The nodes the providers of this client read, shared between them (see <see cref="ConfigurationNodeCache"/>).</summary>
        public ConfigurationNodeCache NodeCache { get; } = new(client);

        public int References { get; set; }
    }

    /// <summary>One provider's use of a shared client; disposing it returns the lease (idempotent).</summary>
    internal sealed class Lease : IDisposable
    {
        private Entry? _entry;

        public Lease(Entry entry)
        {
            _entry = entry;
            Client = entry.Client;
            NodeCache = entry.NodeCache;
        }

        public ZooKeeperClient Client { get; }

        /// <inheritdoc cref="Entry.NodeCache"/>
        public ConfigurationNodeCache NodeCache { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _entry, null) is { } entry)
            {
                Release(entry);
            }
        }
    }
}
