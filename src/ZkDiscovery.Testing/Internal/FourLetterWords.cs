using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ZkDiscovery.Testing.Internal;

/// <summary>Sends ZooKeeper's plain-text admin commands ("four-letter words") over a short-lived TCP connection.</summary>
internal static class FourLetterWords
{
    /// <summary>Socket timeout for readiness probes: a probe connecting in the bind→accept window can hang.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    public static void Validate(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Length != 4 || !command.All(char.IsAsciiLetterLower))
        {
            throw new ArgumentException("A four-letter word is four lower-case ASCII letters, for example 'srvr'.", nameof(command));
        }
    }

    /// <summary>Sends <paramref name="command"/> and returns the whole reply (the server closes the socket after it).</summary>
    public static async Task<string> SendAsync(int port, string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, port, timeoutSource.Token).ConfigureAwait(false);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command), timeoutSource.Token).ConfigureAwait(false);
            using var reply = new MemoryStream();
            await stream.CopyToAsync(reply, timeoutSource.Token).ConfigureAwait(false);
            return Encoding.ASCII.GetString(reply.GetBuffer(), 0, (int)reply.Length);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No reply to '{command}' from 127.0.0.1:{port} within {timeout.TotalMilliseconds:0} ms.");
        }
    }

    /// <summary>Sends <paramref name="command"/> with the probe timeout; <see langword="null"/> on any failure but caller cancellation.</summary>
    public static async Task<string?> TrySendAsync(int port, string command, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(port, command, ProbeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Returns the <c>Mode:</c> of <c>srvr</c> ("standalone", "leader", "follower"), or <see langword="null"/> when not serving.</summary>
    public static async Task<string?> TryGetModeAsync(int port, CancellationToken cancellationToken)
    {
        string? reply = await TrySendAsync(port, "srvr", cancellationToken).ConfigureAwait(false);
        return reply is null ? null : ParseMode(reply);
    }

    public static string? ParseMode(string srvrReply)
    {
        foreach (string line in srvrReply.Split('\n'))
        {
            if (line.StartsWith("Mode:", StringComparison.Ordinal))
            {
                string mode = line["Mode:".Length..].Trim();
                return mode.Length == 0 ? null : mode;
            }
        }

        return null;
    }
}
