using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ZkDiscovery.TestSupport;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>
/// samples/WebApi as built, run as its own process against the shared test server (in a chroot of its own), configured
/// from the environment alone.
/// </summary>
public sealed partial class SampleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string SamplePath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ZkDiscovery.sln")))
        {
            directory = directory.Parent;
        }
        Assert.NotNull(directory);
        var dll = Path.Combine(directory.FullName, "samples", "WebApi", "bin", "Release", "net10.0", "WebApi.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build ZkDiscovery.sln in Release first.");
        return dll;
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();

    [Fact]
    public async Task Sample_FromConfigurationAlone_RegistersInCuratorLayout_AndListsAndCallsAJavaService()
    {
        var cs = await SharedZooKeeper.GetConnectionStringAsync();
        var chroot = $"/sample-{Guid.NewGuid():N}";
        await using (var setup = await ZooKeeperClient.ConnectAsync(cs))
        {
            await setup.CreateAsync(chroot, ReadOnlyMemory<byte>.Empty);
            await setup.CreateAsync(chroot + "/fooservice", Encoding.UTF8.GetBytes("{\"threads\": 3, \"database\": \"main\"}"));
        }
        await using var java = await TestApps.StartAsync(cs, chroot + "/unused/providers");
        await using var javaInstance = await CuratorPeer.RegisterAsync(cs, chroot + "/services", "javasvc", "127.0.0.1", TestApps.Port(java));

        var dll = SamplePath();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ZooKeeper__ConnectionString"] = cs + chroot;
        start.Environment["ZooKeeper__Registration__Layout"] = "Curator";
        start.Environment["ZooKeeper__Registration__ServicePath"] = "/services/fooservice";
        start.Environment["ZooKeeper__Discovery__Services__javasvc"] = "/services/javasvc";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var sample = Process.Start(start)!;
        var errors = new StringBuilder();
        sample.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        sample.BeginErrorReadLine();
        try
        {
            using var cts = new CancellationTokenSource(Timeout);
            string? url = null;
            while (url is null)
            {
                var line = await sample.StandardOutput.ReadLineAsync(cts.Token)
                    ?? throw new InvalidOperationException($"The sample exited ({(sample.HasExited ? sample.ExitCode : -1)}): {errors}");
                url = ListeningOn().Match(line) is { Success: true } match ? match.Groups[1].Value : null;
            }
            _ = DrainAsync(sample.StandardOutput);
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = Timeout };

            var services = JsonNode.Parse(await http.GetStringAsync(new Uri("/services/javasvc", UriKind.Relative), cts.Token))!;
            Assert.Equal("javasvc", services["service"]!.GetValue<string>());
            Assert.Equal("/services/javasvc", services["path"]!.GetValue<string>());
            Assert.False(services["stale"]!.GetValue<bool>());
            var endpoint = Assert.Single(services["endpoints"]!.AsArray())!;
            Assert.Equal(javaInstance.Id, endpoint["name"]!.GetValue<string>());
            Assert.Equal(new Uri($"http://127.0.0.1:{TestApps.Port(java)}/"), new Uri(endpoint["uri"]!.GetValue<string>()));
            Assert.Equal($"{Environment.ProcessId} {TestApps.Port(java)}", await http.GetStringAsync(new Uri("/call/javasvc", UriKind.Relative), cts.Token));

            // The sample registered itself in Curator's layout: Curator finds it.
            var port = new Uri(url).Port;
            await using (var observer = await ZooKeeperClient.ConnectAsync(cs))
            {
                await ZooKeeperWaits.WaitForNodeAsync(observer, chroot + "/services/fooservice", stat => stat.NumChildren == 1); // Registration runs in the background.
            }
            var instance = Assert.Single(await CuratorPeer.QueryAsync(cs, chroot + "/services", "fooservice"));
            Assert.Equal(port, instance["port"]!.GetValue<int>());
            Assert.Equal($"http://127.0.0.1:{port}", instance["uri"]!.GetValue<string>());
        }
        finally
        {
            if (!sample.HasExited)
            {
                sample.Kill(entireProcessTree: true);
            }
            await sample.WaitForExitAsync();
        }
    }

    private static async Task DrainAsync(StreamReader output)
    {
        try
        {
            while (await output.ReadLineAsync() is not null)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
    }
}
