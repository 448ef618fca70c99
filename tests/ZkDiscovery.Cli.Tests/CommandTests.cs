using System.Diagnostics;
using System.Text.Json.Nodes;
using ZkDiscovery.Recipes;

namespace ZkDiscovery.Cli.Tests;

public sealed class CommandTests(ZkdFixture fixture) : ZkdTestBase(fixture)
{
    [Fact]
    public async Task SetPropertyThenGet_ValuesInTreeSyntax_ReadBackAsJson()
    {
        await Client.CreateAsync(Root + "/svc", Bytes("{\"keep\":1}"));

        var set = await ZkdAsync("set-property", Conn, Root + "/svc", "threads=5", "name='cms'", "on=True", "list=[1, 2]");
        var get = await ZkdAsync("get", "-z", Conn, Root + "/svc");

        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.True(get.ExitCode == 0, get.ToString());
        var json = JsonNode.Parse(get.StdOut)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"keep":1,"list":[1,2],"name":"cms","on":true,"threads":5}"""), json), get.StdOut);

        var bad = await ZkdAsync("set-property", Conn, Root + "/svc", "x={oops");
        Assert.Equal(1, bad.ExitCode);
    }

    [Fact]
    public async Task Get_RawAndStat_PrintStoredDataAndMetadata()
    {
        await Client.CreateAsync(Root + "/n", Bytes("plain text"));
        await Client.SetDataAsync(Root + "/n", Bytes("plain text!"));

        var raw = await ZkdAsync("get", "--raw", "-z", Conn, Root + "/n");
        var stat = await ZkdAsync("get", "--raw", "--stat", "-z", Conn, Root + "/n");

        Assert.Equal("plain text!", raw.StdOut);
        Assert.StartsWith("plain text!\n", stat.StdOut, StringComparison.Ordinal);
        Assert.Contains("dataVersion = 1", stat.Lines);
        Assert.Contains("dataLength = 11", stat.Lines);
        Assert.Contains("numChildren = 0", stat.Lines);
    }

    [Fact]
    public async Task Get_PropertyLinksResolved_SymbolicLinksFollowed()
    {
        await Client.CreateAsync(Root + "/foo", Bytes("{\"threads\":3}"));
        await Client.CreateAsync(Root + "/cms", Bytes("{\"threads =>\":\"" + Root + "/foo threads\"}"));

        var ln = await ZkdAsync("ln", "-z", Conn, Root + "/cms", Root + "/foo/cms-link");
        var get = await ZkdAsync("get", "-z", Conn, Root + "/foo/cms-link");

        Assert.True(ln.ExitCode == 0, ln.ToString());
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(3, JsonNode.Parse(get.StdOut)!["threads"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ls_ListsChildrenThroughLinks()
    {
        await Client.CreateAsync(Root + "/real");
        await Client.CreateAsync(Root + "/real/b");
        await Client.CreateAsync(Root + "/real/a");
        await Client.CreateAsync(Root + "/other", Bytes("{\"l ->\":\"" + Root + "/real\"}"));

        var ls = await ZkdAsync("ls", "-z", Conn, Root + "/other/l");

        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Equal(["a", "b"], ls.Lines);
    }

    [Fact]
    public async Task Rm_DryRunRecursiveAndEphemeralMessages()
    {
        await Client.CreateAsync(Root + "/t");
        await Client.CreateAsync(Root + "/t/a");
        await Client.CreateAsync(Root + "/t/eph", mode: CreateMode.Ephemeral);

        var dryRun = await ZkdAsync("rm", "-r", "-n", "-z", Conn, Root + "/t");
        Assert.Contains($"would delete {Root}/t/a.", dryRun.Lines);
        Assert.Contains($"wouldn't delete {Root}/t/eph because it's ephemeral.", dryRun.Lines);
        Assert.NotNull(await Client.ExistsAsync(Root + "/t/a"));

        var kept = await ZkdAsync("rm", "-r", "-z", Conn, Root + "/t");
        Assert.Contains($"Not deleting {Root}/t/eph because it's ephemeral.", kept.Lines);
        Assert.Contains($"{Root}/t not deleted due to ephemeral descendent.", kept.Lines);
        Assert.Null(await Client.ExistsAsync(Root + "/t/a"));

        var forced = await ZkdAsync("rm", "-r", "--force", "-z", Conn, Root + "/t");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Null(await Client.ExistsAsync(Root + "/t"));
    }

    [Fact]
    public async Task Dot_DrawsNodesAndLinks()
    {
        await Client.CreateAsync(Root + "/g");
        await Client.CreateAsync(Root + "/g/a", Bytes("{\"l ->\":\"../b\"}"));
        await Client.CreateAsync(Root + "/g/b");

        var dot = await ZkdAsync("dot", "-z", Conn, Root + "/g");

        Assert.True(dot.ExitCode == 0, dot.ToString());
        Assert.StartsWith("digraph", dot.StdOut, StringComparison.Ordinal);
        Assert.Contains(Root + "/g/a", dot.StdOut, StringComparison.Ordinal);
        Assert.Contains("dashed", dot.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitCodes_UsageTwoForZooKeeperErrorsThreeForUnreachable()
    {
        var usage = await ZkdAsync("ls");
        var noNode = await ZkdAsync("get", "-z", Conn, Root + "/missing");
        var unreachable = await ZkdAsync("ls", "-z", "127.0.0.1:1", "--timeout", "1", "/");
        var badPath = await ZkdAsync("ls", "-z", Conn, "relative");

        await Client.CreateAsync(Root + "/child");
        Assert.Equal(1, usage.ExitCode);
        Assert.Equal(2, noNode.ExitCode);
        Assert.Contains(Root + "/missing", noNode.StdErr, StringComparison.Ordinal);
        Assert.Contains("NoNode", noNode.StdErr, StringComparison.Ordinal);
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("127.0.0.1:1", unreachable.StdErr, StringComparison.Ordinal);
        Assert.Equal(1, badPath.ExitCode);
        var nonEmpty = await ZkdAsync("rm", "-z", Conn, Root);
        Assert.Equal(2, nonEmpty.ExitCode);
        Assert.Contains("NotEmpty", nonEmpty.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionString_FromEnvironment_WhenNoOption()
    {
        await Client.CreateAsync(Root + "/env");

        var result = await ZkdFixture.RunAsync(["ls", Root], environment: new Dictionary<string, string> { ["ZOOKEEPER_CONNECTION_STRING"] = Conn });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["env"], result.Lines);
    }

    [Fact]
    public async Task Auth_DigestProtectedNode_ReadableOnlyWithAuth_PasswordNeverPrinted()
    {
        const string password = "pa55-w0rd-xyz";
        var options = new ZooKeeperClientOptions { ConnectionString = Conn, DigestCredentials = "alice:" + password };
        await using (var alice = await ZooKeeperClient.ConnectAsync(options, null, Timeout))
        {
            await alice.CreateAsync(Root + "/secret", Bytes("{\"key\":\"value\"}"), acl: [ZooKeeperAcls.Digest("alice", password)]);
        }

        var denied = await ZkdAsync("get", "-z", Conn, Root + "/secret");
        var allowed = await ZkdAsync("get", "-z", Conn, "--auth", "alice:" + password, Root + "/secret");
        var wrong = await ZkdAsync("get", "-z", Conn, "--auth", "alice:wrong-" + password, Root + "/secret");
        var malformed = await ZkdAsync("get", "-z", Conn, "--auth", password, Root + "/secret");

        Assert.Equal(2, denied.ExitCode);
        Assert.Contains("NoAuth", denied.StdErr, StringComparison.Ordinal);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal("value", JsonNode.Parse(allowed.StdOut)!["key"]!.GetValue<string>());
        Assert.Equal(2, wrong.ExitCode);
        Assert.Equal(1, malformed.ExitCode);
        foreach (var result in new[] { denied, allowed, wrong, malformed })
        {
            Assert.DoesNotContain(password, result.StdOut, StringComparison.Ordinal);
            Assert.DoesNotContain(password, result.StdErr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Watch_PrintsEachChange_UntilInterrupted()
    {
        await Client.CreateAsync(Root + "/w", Bytes("{\"v\":0}"));
        using var process = ZkdFixture.Start(["watch", "-z", Conn, Root + "/w"], interruptible: true);
        process.StandardInput.Close();
        // Drained all along, so that nothing zkd writes there can block it; shown if it does not stop.
        var stderr = process.StandardError.ReadToEndAsync();

        Assert.Equal($"{Root}/w properties: {{\"v\":0}}", await ReadLineAsync(process));
        await Client.SetDataAsync(Root + "/w", Bytes("{\"v\":1}"));
        Assert.Equal($"{Root}/w changed: {{\"v\":1}}", await ReadLineAsync(process));
        await Client.SetDataAsync(Root + "/w", Bytes("{\"v\":2}"));
        Assert.Equal($"{Root}/w changed: {{\"v\":2}}", await ReadLineAsync(process));

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"zkd watch did not stop within {Timeout.TotalSeconds:0} s of SIGINT; its stderr: {await stderr}");
        }
        Assert.Equal(130, process.ExitCode); // the shell convention for Ctrl+C (128 + SIGINT), as System.CommandLine reports it
    }

    private static async Task<string?> ReadLineAsync(Process process) =>
        await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
}
