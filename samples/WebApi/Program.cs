// ZkDiscovery sample: configuration from ZooKeeper with hot reload, registration of the real Kestrel address, and
// discovery with an HttpClient that calls other instances by service name.
//
//   ./eng/run-sample.sh --urls http://127.0.0.1:0        (imports samples/WebApi/fooservice.tree when /fooservice is missing)
//   open http://127.0.0.1:PORT/zookeeper/ (the read-only dashboard: services, tree, configuration, session)
//   curl http://127.0.0.1:PORT/options ; curl http://127.0.0.1:PORT/config/status ; curl http://127.0.0.1:PORT/services/fooservice ; curl http://127.0.0.1:PORT/call/fooservice
//   ./eng/run-sample.sh --urls http://127.0.0.1:0 --Traces:Console=true   (or Traces__Console=true): spans on the console
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using WebApi;
using ZkDiscovery;
using ZkDiscovery.Hosting.Discovery;
using ZkDiscovery.Nodes;

if (args.Contains("--import-sample-tree"))
{
    // Fallback when the zkd tool is not at hand: import fooservice.tree unless /fooservice exists.
    return await SampleTree.ImportIfMissingAsync(args);
}

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

// Configuration: the properties of /fooservice (e.g. threads, database, favorite_color), reloaded on change.
// The connection string comes from ZooKeeper:ConnectionString (appsettings.json), then ZOOKEEPER_CONNECTION_STRING.
builder.Configuration.AddZooKeeper("/fooservice");

builder.Services.Configure<FooOptions>(builder.Configuration);

// One shared ZooKeeper client (section "ZooKeeper", or ConnectionStrings:zookeeper as an Aspire AppHost sets it),
// registration as /fooservice/providers/HOST:PORT once Kestrel has bound, and discovery through the standard
// Microsoft.Extensions.ServiceDiscovery stack: an HttpClient that resolves http://SERVICE/ to a live instance.
builder.Services.AddZooKeeperRegistration(o => o.ServicePath ??= "/fooservice/providers");
builder.Services.AddServiceDiscovery();
builder.Services.AddZooKeeperServiceEndpointProvider(o => o.Services.TryAdd("fooservice", "/fooservice/providers"));
builder.Services.AddHttpClient("discovery").AddServiceDiscovery();
builder.AddZooKeeper(); // + the "zookeeper" health check

// The dashboard at /zookeeper, read-only: services and instances live, the tree with its links, configuration as this
// app sees it, the session. A real app would add .RequireAuthorization() to the MapZooKeeperDashboard call below.
builder.Services.AddZooKeeperDashboard(o => o.AllowWrites = false);

// Traces on the console when asked (Traces:Console=true). An app that already runs OpenTelemetry adds one line: the
// AddSource(ZooKeeperTelemetry.ActivitySourceNames). The ASP.NET Core and HttpClient sources give the HTTP spans that
// ZooKeeper spans made while serving a request sit under; registration and configuration reloads are traces of their own.
// (The configuration's first load runs while the configuration is built, before OpenTelemetry starts: not traced here.)
if (builder.Configuration.GetValue<bool>("Traces:Console"))
{
    builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
        .AddSource(ZooKeeperTelemetry.ActivitySourceNames)
        .AddSource("Microsoft.AspNetCore", "System.Net.Http")
        .AddConsoleExporter());
}

WebApplication app = builder.Build();

app.MapGet("/", () => "ZkDiscovery sample: /zookeeper/ /config /config/status /options /services/{name} /call/{name} /whoami /health");

app.MapZooKeeperDashboard("/zookeeper");

// Every key the ZooKeeper configuration provider(s) supply, with its current value.
app.MapGet("/config", (IConfiguration configuration) =>
{
    var result = new SortedDictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
    if (configuration is IConfigurationRoot root)
    {
        foreach (var provider in root.Providers.Where(static p => p.GetType().Name.StartsWith("ZooKeeper", StringComparison.Ordinal)))
        {
            foreach (var key in SampleConfiguration.AllKeys(provider, null))
            {
                result[key] = provider.TryGet(key, out var value) ? value : null;
            }
        }
    }
    return Results.Json(result);
});

// The ZooKeeper configuration providers: path, status (Current, Stale, Snapshot, NotLoaded), last reload, last error,
// and the node and links each key comes from (no values). Their log goes to the app's log without any wiring, and the
// "zookeeper-configuration" health check (in /health) turns Degraded while one serves its last good values.
var statusJson = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
app.MapGet("/config/status", (IConfiguration configuration) => Results.Json(configuration.GetZooKeeperConfigurationReports(), statusJson));

// The bound options, current as of the last reload (IOptionsMonitor).
app.MapGet("/options", (IOptionsMonitor<FooOptions> options) => Results.Json(options.CurrentValue));

// Live endpoints of a service.
app.MapGet("/services/{name}", async (string name, ZooKeeperServiceEndpointResolver resolver, CancellationToken ct) =>
{
    var snapshot = await resolver.GetSnapshotAsync(name, ct);
    return Results.Json(new
    {
        service = snapshot.ServiceName,
        path = snapshot.ServicePath,
        stale = snapshot.IsStale,
        endpoints = snapshot.Endpoints.Select(static e => new
        {
            name = e.Name,
            uri = e.Uri,
            properties = JsonSerializer.Deserialize<JsonElement>(e.Properties.ToBytes()),
        }),
    });
});

// Calls GET /whoami on an instance of the service through discovery.
app.MapGet("/call/{name}", async (string name, IHttpClientFactory factory, CancellationToken ct) =>
{
    using var http = factory.CreateClient("discovery");
    var answer = await http.GetStringAsync(new Uri($"http://{name}/whoami"), ct);
    return Results.Text(answer, "application/json");
});

// This instance: its registered address(es) and process id.
app.MapGet("/whoami", (IServer server) => Results.Json(new
{
    pid = Environment.ProcessId,
    addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses,
}));

app.MapHealthChecks("/health");

await app.RunAsync();
return 0;

namespace WebApi
{
    /// <summary>Settings of the sample, bound from the root of the configuration (the properties of /fooservice).</summary>
    public sealed class FooOptions
    {
        /// <summary>Worker threads (<c>threads</c>).</summary>
        public int Threads { get; set; }

        /// <summary>Database name (<c>database</c>).</summary>
        public string? Database { get; set; }

        /// <summary>Favorite color (<c>favorite_color</c>).</summary>
        [Microsoft.Extensions.Configuration.ConfigurationKeyName("favorite_color")]
        public string? FavoriteColor { get; set; }
    }

    internal static class SampleConfiguration
    {
        public static IEnumerable<string> AllKeys(IConfigurationProvider provider, string? parent)
        {
            foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var key = parent is null ? child : parent + ":" + child;
                yield return key;
                foreach (var nested in AllKeys(provider, key))
                {
                    yield return nested;
                }
            }
        }
    }

    internal static class SampleTree
    {
        public static async Task<int> ImportIfMissingAsync(string[] args)
        {
            var connectionString = Environment.GetEnvironmentVariable("ZooKeeper__ConnectionString") ?? ZooKeeperDefaults.ConnectionString;
            await using var client = await ZooKeeperClient.ConnectAsync(connectionString);
            if (await client.ExistsAsync("/fooservice") is not null)
            {
                Console.WriteLine("/fooservice exists; nothing imported.");
                return 0;
            }
            var file = Path.Combine(AppContext.BaseDirectory, "fooservice.tree");
            foreach (var line in await new ZooKeeperNodes(client).ImportAsync(await File.ReadAllTextAsync(file), "/"))
            {
                Console.WriteLine(line);
            }
            Console.WriteLine($"Imported {file} into {connectionString}.");
            return 0;
        }
    }
}
