using System.Net;
using System.Net.Sockets;

namespace ZkDiscovery.Testing.Internal;

/// <summary>Finds free TCP ports on 127.0.0.1 by binding port 0; never hands out a port twice in this process.</summary>
internal static class FreePorts
{
    private static readonly object s_gate = new();
    private static readonly HashSet<int> s_handedOut = [];

    public static int[] Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var listeners = new List<Socket>();
        var ports = new List<int>(count);
        try
        {
            lock (s_gate)
            {
                // Keep every probe socket bound until all are chosen so the OS gives distinct ports.
                for (int tries = 0; ports.Count < count; tries++)
                {
                    if (tries > 1000)
                    {
                        throw new InvalidOperationException("Could not find free TCP ports on 127.0.0.1.");
                    }

                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    listeners.Add(socket);
                    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                    if (s_handedOut.Add(port))
                    {
                        ports.Add(port);
                    }
                }
            }
        }
        finally
        {
            foreach (Socket socket in listeners)
            {
                socket.Dispose();
            }
        }

        return [.. ports];
    }

    /// <summary>Whether a listener could bind the port now (with SO_REUSEADDR, as ZooKeeper does).</summary>
    public static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
