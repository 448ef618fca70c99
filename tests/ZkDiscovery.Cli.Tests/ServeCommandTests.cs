using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Cli.Tests;

/// <summary><c>zkd serve</c>: the dashboard on its own, as a real process against a real server.</summary>
public sealed partial class ServeCommandTests(ZkdFixture fixture) : ZkdTestBase(fixture)
{
    [Fact]
    public async Task Serve_Root_ListsItsServicesAndServesThePage()
    {
        await new ZooKeeperNodes(Client).ImportAsync("/fooservice\n  threads = 3\n  /providers\n", Root);
        await Client.CreateAsync(Root + "/fooservice/providers/127.0.0.1:4100", NodeProperties.Encode([new("pid", 77), new("version", "2.0")]), CreateMode.Ephemeral);
        using var process = ZkdFixture.Start(["serve", "-z", Conn, "--port", "0", "--root", Root]);
        try
        {
            process.StandardInput.Close();
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout) ?? throw new InvalidOperationException(await process.StandardError.ReadToEndAsync());
            var match = AddressPattern().Match(line);
            Assert.True(match.Success, line);
            Assert.Contains("read-only", line, StringComparison.Ordinal);
            var baseUri = new Uri(match.Groups[1].Value);
            Assert.Equal("127.0.0.1", baseUri.Host);

            using var http = new HttpClient { BaseAddress = baseUri, Timeout = Timeout };
            Assert.Contains("assets/app.js", await http.GetStringAsync("/"), StringComparison.Ordinal);
            using var services = JsonDocument.Parse(await http.GetStringAsync("/api/services"));
            var service = Assert.Single(services.RootElement.EnumerateArray());
            Assert.Equal("fooservice", service.GetProperty("name").GetString());
            Assert.Equal(Root + "/fooservice/providers", service.GetProperty("path").GetString());
            var instance = Assert.Single(service.GetProperty("instances").EnumerateArray());
            Assert.Equal("127.0.0.1:4100", instance.GetProperty("name").GetString());
            Assert.Equal("2.0", instance.GetProperty("version").GetString());

            using var write = await http.PostAsync("/api/node/property", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task Serve_DefaultRoots_StartsWithoutAServicesNode()
    {
        // The default roots are / and /services; the test server has no /services node.
        using var process = ZkdFixture.Start(["serve", "-z", Conn, "--port", "0", "--allow-writes"]);
        try
        {
            process.StandardInput.Close();
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout) ?? throw new InvalidOperationException(await process.StandardError.ReadToEndAsync());
            Assert.Contains("writes allowed", line, StringComparison.Ordinal);
            using var http = new HttpClient { BaseAddress = new Uri(AddressPattern().Match(line).Groups[1].Value), Timeout = Timeout };
            using var services = JsonDocument.Parse(await http.GetStringAsync("/api/services"));
            Assert.Equal(JsonValueKind.Array, services.RootElement.ValueKind);
            using var info = JsonDocument.Parse(await http.GetStringAsync("/api/info"));
            Assert.True(info.RootElement.GetProperty("canWrite").GetBoolean());
            Assert.StartsWith("zkd · 127.0.0.1:", info.RootElement.GetProperty("title").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
    }

    [Fact]
    public async Task Serve_WritesOnAPublicAddress_Refused()
    {
        var result = await ZkdAsync("serve", "-z", Conn, "--host", "0.0.0.0", "--allow-writes");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--allow-writes needs a loopback --host", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_BadPort_Refused()
    {
        var result = await ZkdAsync("serve", "-z", Conn, "--port", "70000");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--port must be between 0 and 65535", result.StdErr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"dashboard at (http://[^ ]+?)/? \(")]
    private static partial Regex AddressPattern();
}
