namespace ZkDiscovery.Cli.Tests;

public sealed class ImportExportTests(ZkdFixture fixture) : ZkdTestBase(fixture)
{
    private const string Tree = """
        /app : service
          # comment
          threads = 4
          name = u'cms'
          enabled = True
          threads2 => /app threads
          /providers
          db -> providers
        """;

    [Fact]
    public async Task ImportThenExport_PositionalConnection_RoundTripsTheTree()
    {
        var file = TempFile(Tree);

        var import = await ZkdAsync("import", Conn, file, Root);
        Assert.True(import.ExitCode == 0, import.ToString());
        var export = await ZkdAsync("export", Conn, Root + "/app");

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(
            """
            /app : service
              enabled = true
              name = "cms"
              threads = 4
              threads2 => /app threads
              db -> providers
              /providers

            """.ReplaceLineEndings("\n"),
            export.StdOut);

        // The exported text imports elsewhere and exports the same again.
        var exported = TempFile();
        Assert.Equal(0, (await ZkdAsync("export", "-z", Conn, "-o", exported, Root + "/app")).ExitCode);
        await Client.CreateAsync(Root + "/copy");
        Assert.Equal(0, (await ZkdAsync("import", "-z", Conn, exported, Root + "/copy")).ExitCode);
        Assert.Equal(export.StdOut, (await ZkdAsync("export", "-z", Conn, Root + "/copy/app")).StdOut);
    }

    [Fact]
    public async Task Import_FromStandardInput_WithNameOnExport()
    {
        var import = await ZkdWithInputAsync("/x\n  a = 1\n", "import", "-z", Conn, "-", Root);
        Assert.True(import.ExitCode == 0, import.ToString());

        var export = await ZkdAsync("export", "--name", "renamed", "-z", Conn, Root + "/x");

        Assert.Equal("/renamed\n  a = 1\n", export.StdOut);
    }

    [Fact]
    public async Task Import_DryRun_ReportsChangesAndChangesNothing()
    {
        Assert.Equal(0, (await ZkdAsync("import", Conn, TempFile(Tree), Root)).ExitCode);
        var changed = Tree.Replace("threads = 4", "threads = 5", StringComparison.Ordinal) + "\n  /extra\n";

        var dryRun = await ZkdAsync("import", "-n", Conn, TempFile(changed), Root);

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains($"{Root}/app threads change from 4 to 5", dryRun.Lines);
        Assert.Contains($"add {Root}/app/extra", dryRun.Lines);
        Assert.Null(await Client.ExistsAsync(Root + "/app/extra"));
        Assert.Contains("\"threads\":4", Text((await Client.GetDataAsync(Root + "/app")).Data), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ExtraNodes_ReportedWithoutTrimDeletedWithTrim()
    {
        Assert.Equal(0, (await ZkdAsync("import", Conn, TempFile(Tree), Root)).ExitCode);
        await Client.CreateAsync(Root + "/app/stray");

        var kept = await ZkdAsync("import", Conn, TempFile(Tree), Root);
        Assert.Contains($"extra path not trimmed: {Root}/app/stray", kept.Lines);
        Assert.NotNull(await Client.ExistsAsync(Root + "/app/stray"));

        var trimmed = await ZkdAsync("import", "--trim", Conn, TempFile(Tree), Root);
        Assert.True(trimmed.ExitCode == 0, trimmed.ToString());
        Assert.Null(await Client.ExistsAsync(Root + "/app/stray"));
        Assert.NotNull(await Client.ExistsAsync(Root + "/app/providers"));
    }

    [Fact]
    public async Task Import_Trim_ReportsEveryDeletedNode_InTheDryRunsOrderAndWording()
    {
        Assert.Equal(0, (await ZkdAsync("import", Conn, TempFile(Tree), Root)).ExitCode);
        await Client.CreateAsync(Root + "/app/stray");
        await Client.CreateAsync(Root + "/app/stray/child");

        var dryRun = await ZkdAsync("import", "-t", "-n", Conn, TempFile(Tree), Root);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Equal([$"would delete {Root}/app/stray/child.", $"would delete {Root}/app/stray."], dryRun.Lines);
        Assert.NotNull(await Client.ExistsAsync(Root + "/app/stray/child"));

        var trimmed = await ZkdAsync("import", "-t", Conn, TempFile(Tree), Root);
        Assert.True(trimmed.ExitCode == 0, trimmed.ToString());
        Assert.Equal([$"delete {Root}/app/stray/child", $"delete {Root}/app/stray"], trimmed.Lines);
        Assert.Null(await Client.ExistsAsync(Root + "/app/stray"));

        var again = await ZkdAsync("import", "-t", Conn, TempFile(Tree), Root);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(again.Lines);
    }

    [Fact]
    public async Task Import_WithAcl_SetsTheAclOnImportedNodes()
    {
        var import = await ZkdAsync("import", "--acl", "world:anyone:cdrwa", Conn, TempFile("/open\n"), Root);
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Equal([new ZooKeeperAcl(Permissions.All, "world", "anyone")], (await Client.GetAclAsync(Root + "/open")).Acl);

        var bad = await ZkdAsync("import", "--acl", "world:anyone:rwz", Conn, TempFile("/other\n"), Root);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("'z'", bad.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_InvalidText_ExitsOneWithLineNumbers()
    {
        var result = await ZkdAsync("import", Conn, TempFile("/a\n  x = \n"), Root);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("line 2", result.StdErr, StringComparison.Ordinal);
        Assert.Null(await Client.ExistsAsync(Root + "/a"));
    }

    [Fact]
    public async Task Validate_ReportsEveryErrorWithItsLine()
    {
        var file = TempFile("/a\n  x = 1\n   what is this\n/b\n  y = {\n");

        var bad = await ZkdAsync("validate", file);
        var good = await ZkdAsync("validate", TempFile(Tree));
        var stdin = await ZkdWithInputAsync("/a\n  x = [1,\n", "validate", "-");

        Assert.Equal(1, bad.ExitCode);
        var lines = bad.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"{file}:3:", lines[0], StringComparison.Ordinal);
        Assert.Contains("what is this", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{file}:5:", lines[1], StringComparison.Ordinal);
        Assert.Equal(0, good.ExitCode);
        Assert.Equal(1, stdin.ExitCode);
        Assert.StartsWith("<stdin>:2:", stdin.StdErr, StringComparison.Ordinal);
    }
}
