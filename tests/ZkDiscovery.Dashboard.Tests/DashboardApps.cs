using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Dashboard;
using ZkDiscovery.Recipes;
using ZkDiscovery.TestSupport;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Dashboard.Tests;

/// <summary>
/// Real Kestrel apps on 127.0.0.1 (port 0) against the shared ZooKeeper server: each registers itself as an instance
/// of <c>fooservice</c> below its test's own root, discovers <c>fooservice</c>, reads its configuration from
/// <c>ROOT/fooservice</c>, and (when asked) maps the dashboard at <c>/zookeeper</c>.
/// </summary>
internal static class DashboardApps
{
    /// <summary>The test tree: a service with a property link and its providers, a database node, a symbolic link.</summary>
    public const string Tree = """
        /fooservice : svc
          database = 'main'
          threads = 3
          db_url => ../databases/main url
          /providers
        /databases
          /main : database
            url = 'postgres://db.internal:5432/main'
            password = 'not-for-the-page'
        /aliases
          main-db -> ../databases/main
        """;

    /// <summary>Makes a fresh root (<c>/dash-GUID</c>) holding <see cref="Tree"/>.</summary>
    public static async Task<string> CreateRootAsync()
    {
        var root = "/dash-" + Guid.NewGuid().ToString("N");
        await using var client = await ZooKeeperClient.ConnectAsync(await SharedZooKeeper.GetConnectionStringAsync());
        await client.CreateAsync(root);
        await new ZooKeeperNodes(client).ImportAsync(Tree, root);
        return root;
    }

    /// <summary>
    /// Waits until some session of the shared server watches <paramref name="path"/> (or none does, with
    /// <paramref name="watched"/> false), asking the server (<c>wchp</c>); 30 seconds at most. A watch arming or going
    /// on the server raises no event a test could await.
    /// </summary>
    public static async Task WaitForServerWatchAsync(string path, bool watched)
    {
        var server = await SharedZooKeeper.GetAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var paths = (await server.SendFourLetterWordAsync("wchp")).Split('\n', StringSplitOptions.TrimEntries);
            if (paths.Contains(path) == watched)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} was {(watched ? "not watched" : "still watched")} after 30 seconds.");
            }
            await Task.Delay(50);
        }
    }

    public static async Task<WebApplication> StartAsync(string root, bool dashboard = true, Action<ZooKeeperDashboardOptions>? configure = null,
        string version = "1.4.2", Action<WebApplication>? map = null, Action<WebApplicationBuilder>? build = null)
    {
        var connectionString = await SharedZooKeeper.GetConnectionStringAsync();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ZooKeeper:ConnectionString"] = connectionString,
            ["ZooKeeper:SessionTimeout"] = TimeSpan.FromSeconds(8).ToString("c", CultureInfo.InvariantCulture),
            ["ZooKeeper:Registration:ServicePath"] = root + "/fooservice/providers",
            ["ZooKeeper:Registration:Version"] = version,
            ["ZooKeeper:Registration:Metadata:zone"] = "test-a",
            ["ZooKeeper:Discovery:Services:fooservice"] = root + "/fooservice/providers",
        });
        if (dashboard)
        {
            builder.Configuration.AddZooKeeper(root + "/fooservice");
            builder.Configuration.AddZooKeeper(root + "/databases/main", s => s.Optional = true);
        }
        builder.Services.AddZooKeeper();
        builder.Services.AddZooKeeperRegistration();
        builder.Services.AddZooKeeperServiceDiscovery();
        if (dashboard)
        {
            builder.Services.AddZooKeeperDashboard(configure);
        }
        build?.Invoke(builder);
        var app = builder.Build();
        app.MapGet("/whoami", () => Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (map is not null)
        {
            map(app);
        }
        else if (dashboard)
        {
            app.MapZooKeeperDashboard("/zookeeper");
        }
        await app.StartAsync();
        // Registered: the instance node exists (the registration is internal to Hosting; wait on ZooKeeper itself).
        await ZooKeeperWaits.WaitForVersionAsync(app.Services.GetRequiredService<ZooKeeperClient>(), $"{root}/fooservice/providers/{InstanceName(app)}", -1, TimeSpan.FromSeconds(30));
        return app;
    }

    public static Uri BaseUri(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    public static string InstanceName(WebApplication app) => "127.0.0.1:" + BaseUri(app).Port.ToString(CultureInfo.InvariantCulture);

    public static string DashboardUrl(WebApplication app, string fragment = "") => new Uri(BaseUri(app), "/zookeeper/" + fragment).ToString();
}
