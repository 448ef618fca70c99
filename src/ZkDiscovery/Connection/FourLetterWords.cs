using System.Net.Sockets;
using System.Text;

namespace ZkDiscovery.Connection;

/// <summary>Sends a four-letter-word command (<c>isro</c>, <c>srvr</c>, ...) and reads the plain-text answer until the server closes.</summary>
internal static class FourLetterWords
{
    /// <summary>Returns the server's answer, or null when it could not be reached within <paramref name="timeout"/>.</summary>
    public static async Task<string?> SendAsync(ZooKeeperHost host, string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host.Host, host.Port, cts.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command), cts.Token).ConfigureAwait(false);
            using var answer = new MemoryStream();
            await stream.CopyToAsync(answer, cts.Token).ConfigureAwait(false);
            return Encoding.ASCII.GetString(answer.ToArray()).Trim();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (SocketException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
