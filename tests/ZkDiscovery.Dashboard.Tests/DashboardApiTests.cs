using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZkDiscovery.TestSupport;
using ZkDiscovery.Recipes;

namespace ZkDiscovery.Dashboard.Tests;

/// <summary>The dashboard's HTTP surface against real apps and the shared ZooKeeper: guards on writes, secrets, authorization.</summary>
public sealed class DashboardApiTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private static HttpClient Http(WebApplication app, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(DashboardApps.DashboardUrl(app)),
            Timeout = s_timeout,
        };

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Page_WithoutTrailingSlash_RedirectsAndServesEmbeddedFilesWithAStrictPolicy()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root);
        using var http = Http(app);
        using var redirect = await http.GetAsync(new Uri(DashboardApps.BaseUri(app), "/zookeeper"));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/zookeeper/", redirect.Headers.Location!.OriginalString);

        using var page = await http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<script src=\"assets/app.js\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var asset in new[] { "assets/app.js", "assets/app.css" })
        {
            using var response = await http.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000, asset);
        }
        using var missing = await http.GetAsync("assets/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Services_FirstAnswer_IsLoadedWithTheInstances()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root);
        using var http = Http(app);
        var services = await http.GetFromJsonAsync<JsonElement>("api/services");
        var service = Assert.Single(services.EnumerateArray());
        Assert.Equal("fooservice", service.GetProperty("name").GetString());
        Assert.True(service.GetProperty("isLoaded").GetBoolean());
        Assert.False(service.GetProperty("isStale").GetBoolean());
        var instance = Assert.Single(service.GetProperty("instances").EnumerateArray());
        Assert.Equal(DashboardApps.InstanceName(app), instance.GetProperty("name").GetString());
        Assert.Equal("1.4.2", instance.GetProperty("version").GetString());
        Assert.Equal("zc.zk", instance.GetProperty("layout").GetString());
    }

    [Fact]
    public async Task Services_OneTheAppStoppedUsing_LeavesTheListAndIsNotWatchedAgain()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root);
        using var http = Http(app);
        var resolver = app.Services.GetRequiredService<ZkDiscovery.Hosting.Discovery.ZooKeeperServiceEndpointResolver>();
        var name = "used" + Guid.NewGuid().ToString("N");
        // What ZkDiscovery's HttpClient handler does for a request to http://NAME/: the service is used, not configured.
        await resolver.GetSnapshotForRequestAsync(name, CancellationToken.None);
        Assert.Contains(name, await ServiceNamesAsync(http));

        resolver.StopUnused(TimeSpan.Zero);

        Assert.DoesNotContain(name, await ServiceNamesAsync(http));
        Assert.DoesNotContain(name, resolver.GetWatchedServiceNames()); // Listing it did not watch it again.
        Assert.Contains("fooservice", await ServiceNamesAsync(http)); // Configured: still there.

        static async Task<List<string?>> ServiceNamesAsync(HttpClient http) =>
            [.. (await http.GetFromJsonAsync<JsonElement>("api/services")).EnumerateArray().Select(s => s.GetProperty("name").GetString())];
    }

    [Fact]
    public async Task Catalog_ServiceStoppedAndWatchedAgain_FollowsTheNewWatcher()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root);
        var client = app.Services.GetRequiredService<ZooKeeperClient>();
        var resolver = app.Services.GetRequiredService<ZkDiscovery.Hosting.Discovery.ZooKeeperServiceEndpointResolver>();
        var name = "again" + Guid.NewGuid().ToString("N");
        var path = $"/{name}/providers";
        await client.EnsurePathAsync(path);
        await client.CreateAsync(path + "/127.0.0.1:9001", System.Text.Encoding.UTF8.GetBytes("{}"), CreateMode.Ephemeral);
        using var changed = new SemaphoreSlim(0);
        await using var catalog = new ZkDiscovery.Dashboard.Internal.ServiceCatalog(client, resolver, [], Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System, () => changed.Release());
        await resolver.GetSnapshotForRequestAsync(name, CancellationToken.None); // Used by a request: not configured, not kept.
        Assert.True(catalog.SubscribeNewResolverNames());
        Assert.Single(Instances());

        // Stopped: the catalogue hears of it at once and drops the service.
        await DrainAsync();
        resolver.StopUnused(TimeSpan.Zero);
        Assert.True(await changed.WaitAsync(s_timeout));
        Assert.True(catalog.SubscribeNewResolverNames());
        Assert.Null(Service());

        // Watched again: followed again, and its changes reach the catalogue.
        await resolver.GetSnapshotForRequestAsync(name, CancellationToken.None);
        Assert.True(catalog.SubscribeNewResolverNames());
        await ExpectInstancesAfterAsync(2, () => client.CreateAsync(path + "/127.0.0.1:9002", System.Text.Encoding.UTF8.GetBytes("{}"), CreateMode.Ephemeral));

        // Stopped and watched again between two looks: the catalogue follows the new watcher, not the old one.
        resolver.StopUnused(TimeSpan.Zero);
        await resolver.GetSnapshotForRequestAsync(name, CancellationToken.None);
        Assert.True(catalog.SubscribeNewResolverNames());
        await ExpectInstancesAfterAsync(3, () => client.CreateAsync(path + "/127.0.0.1:9003", System.Text.Encoding.UTF8.GetBytes("{}"), CreateMode.Ephemeral));

        ZkDiscovery.Dashboard.Internal.ServiceDto? Service() => catalog.List().SingleOrDefault(s => s.Name == name);

        IReadOnlyList<ZkDiscovery.Dashboard.Internal.InstanceDto> Instances() => Service()?.Instances ?? [];

        async Task DrainAsync()
        {
            while (changed.CurrentCount > 0)
            {
                await changed.WaitAsync();
            }
        }

        async Task ExpectInstancesAfterAsync(int count, Func<Task> change)
        {
            await DrainAsync();
            await change();
            // Every change the catalogue hears of is a new snapshot: wait for those until the new instance is in one.
            while (Instances().Count != count)
            {
                Assert.True(await changed.WaitAsync(s_timeout), $"No change reached the catalogue; it shows {Instances().Count} instances of {name}, expected {count}.");
            }
        }
    }

    [Fact]
    public async Task Writes_ByDefault_Disabled()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root);
        using var http = Http(app);
        var info = await http.GetFromJsonAsync<JsonElement>("api/info");
        Assert.False(info.GetProperty("allowWrites").GetBoolean());
        Assert.False(info.GetProperty("canWrite").GetBoolean());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("antiforgeryToken").ValueKind);
        using var response = await http.PostAsync("api/node/property", Json(new { path = root + "/fooservice", name = "threads", value = "9", expectedVersion = 0 }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Writes are disabled", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_EnabledButAnonymous_NeedAnAuthenticatedUser()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root, configure: o => o.AllowWrites = true);
        using var http = Http(app);
        var info = await http.GetFromJsonAsync<JsonElement>("api/info");
        Assert.True(info.GetProperty("allowWrites").GetBoolean());
        Assert.False(info.GetProperty("canWrite").GetBoolean());
        using var response = await http.PostAsync("api/import/preview", Json(new { path = root, text = "/x\n" }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Writes_WithoutAntiforgeryToken_Refused_WithToken_CompareAndSet()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root, configure: o => { o.AllowWrites = true; o.WritesRequireAuthenticatedUser = false; });
        var cookies = new CookieContainer();
        using var http = Http(app, cookies);
        var body = new { path = root + "/fooservice", name = "threads", value = "9", expectedVersion = 0 };
        using (var refused = await http.PostAsync("api/node/property", Json(body)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("antiforgery", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
        var info = await http.GetFromJsonAsync<JsonElement>("api/info");
        Assert.True(info.GetProperty("canWrite").GetBoolean());
        http.DefaultRequestHeaders.Add(info.GetProperty("antiforgeryHeader").GetString()!, info.GetProperty("antiforgeryToken").GetString());

        using (var written = await http.PostAsync("api/node/property", Json(body)))
        {
            Assert.Equal(HttpStatusCode.OK, written.StatusCode);
            Assert.Equal(1, (await written.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        }
        // The same edit again carries a stale version: 409, nothing written.
        using (var stale = await http.PostAsync("api/node/property", Json(body with { value = "10" })))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            var conflict = await stale.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, conflict.GetProperty("currentVersion").GetInt32());
            Assert.Equal("9", conflict.GetProperty("currentValue").GetString());
        }
        using (var badValue = await http.PostAsync("api/node/property", Json(body with { value = "{not json", expectedVersion = 1 })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badValue.StatusCode);
        }

        // An import is applied only with the confirmation of its preview.
        var import = new { path = root, text = "/newnode\n  a = 1\n", trim = false, confirmation = (string?)null };
        using (var unconfirmed = await http.PostAsync("api/import/apply", Json(import)))
        {
            Assert.Equal(HttpStatusCode.Conflict, unconfirmed.StatusCode);
        }
        await using var client = await ZooKeeperClient.ConnectAsync(await SharedZooKeeper.GetConnectionStringAsync());
        Assert.Null(await client.ExistsAsync(root + "/newnode"));
        var preview = await (await http.PostAsync("api/import/preview", Json(import))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([$"add {root}/newnode"], preview.GetProperty("changes").EnumerateArray().Select(static c => c.GetString()));
        using (var applied = await http.PostAsync("api/import/apply", Json(import with { confirmation = preview.GetProperty("confirmation").GetString() })))
        {
            Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        }
        Assert.NotNull(await client.ExistsAsync(root + "/newnode"));
        using (var badText = await http.PostAsync("api/import/preview", Json(new { path = root, text = "/a\n  b = [unclosed\n" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badText.StatusCode);
            Assert.Equal(2, (await badText.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("line").GetInt32());
        }
    }

    [Fact]
    public async Task Secrets_NeverSent()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var client = await ZooKeeperClient.ConnectAsync(await SharedZooKeeper.GetConnectionStringAsync());
        var digest = ZooKeeperAcls.Digest("alice", "alice-secret");
        await client.CreateAsync(root + "/guarded", default, CreateMode.Persistent, [digest, new ZooKeeperAcl(Permissions.Read, "world", "anyone")]);
        await using var app = await DashboardApps.StartAsync(root);
        using var http = Http(app);

        var configuration = await http.GetStringAsync("api/configuration");
        Assert.Contains("\"key\":\"password\"", configuration, StringComparison.Ordinal);
        Assert.DoesNotContain("not-for-the-page", configuration, StringComparison.Ordinal);
        var node = await http.GetStringAsync("api/node?path=" + Uri.EscapeDataString(root + "/guarded"));
        Assert.Contains("alice:(hash hidden)", node, StringComparison.Ordinal);
        Assert.DoesNotContain(digest.Id, node, StringComparison.Ordinal);
        var session = await http.GetStringAsync("api/session");
        Assert.DoesNotContain("password", session, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Node_BadOrMissingPath_TypedErrors()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root);
        using var http = Http(app);
        using var missing = await http.GetAsync("api/node?path=" + Uri.EscapeDataString(root + "/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var bad = await http.GetAsync("api/node?path=" + Uri.EscapeDataString("no-slash"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var badFeed = await http.GetAsync("api/node/events?path=" + Uri.EscapeDataString("no-slash"));
        Assert.Equal(HttpStatusCode.BadRequest, badFeed.StatusCode);
        Assert.Contains("not a valid ZooKeeper path", await badFeed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_FirstMessages_CarryEveryTopic()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root);
        using var http = Http(app);
        using var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var topics = new HashSet<string>();
        while (topics.Count < 3)
        {
            var line = await reader.ReadLineAsync().WaitAsync(s_timeout);
            if (line is not null && line.StartsWith("event: ", StringComparison.Ordinal))
            {
                topics.Add(line["event: ".Length..]);
            }
        }
        Assert.Equal(["configuration", "services", "session"], topics.Order());
    }

    [Fact]
    public async Task ServiceRoots_CreatedLater_TheirServicesArriveOnTheLiveFeed()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root, configure: o => o.ServiceRoots.Add(root + "/services"));
        using var http = Http(app);
        var first = await http.GetFromJsonAsync<JsonElement>("api/services");
        Assert.Equal(["fooservice"], first.EnumerateArray().Select(static s => s.GetProperty("name").GetString()));

        using var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await using var client = await ZooKeeperClient.ConnectAsync(await SharedZooKeeper.GetConnectionStringAsync());
        // The Curator layout: ROOT/services/NAME/ID, each instance a JSON document.
        await client.EnsurePathAsync(root + "/services/barservice");
        var instance = """{"name":"barservice","id":"b1","address":"127.0.0.1","port":5001,"registrationTimeUTC":1733350000000,"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true}]}}""";
        await client.CreateAsync(root + "/services/barservice/b1", System.Text.Encoding.UTF8.GetBytes(instance), CreateMode.Ephemeral);

        while (true)
        {
            var services = await NextEventAsync(reader, "services");
            var bar = services.EnumerateArray().FirstOrDefault(static s => s.GetProperty("name").GetString() == "barservice");
            if (bar.ValueKind == JsonValueKind.Object && bar.GetProperty("instances").GetArrayLength() == 1)
            {
                Assert.Equal("root", bar.GetProperty("source").GetString());
                Assert.Equal(root + "/services/barservice", bar.GetProperty("path").GetString());
                var b1 = bar.GetProperty("instances")[0];
                Assert.Equal("curator", b1.GetProperty("layout").GetString());
                Assert.Equal("127.0.0.1:5001", b1.GetProperty("address").GetString());
                break;
            }
        }
    }

    [Fact]
    public async Task NodeEvents_ChangesOfTheNode_ReachTheFeed_AndItsWatchesGoWithIt()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root);
        await using var client = await ZooKeeperClient.ConnectAsync(await SharedZooKeeper.GetConnectionStringAsync());
        // A node nothing else of the app watches, so the server's watch list shows the feed's own.
        var node = root + "/followed";
        await client.CreateAsync(node, Nodes.NodeProperties.Encode([new("color", "red")]));
        using var http = Http(app);

        var response = await http.GetAsync("api/node/events?path=" + Uri.EscapeDataString(node), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var watching = await NextNodeEventAsync(reader);
        Assert.Equal("Watching", watching.GetProperty("type").GetString());
        await DashboardApps.WaitForServerWatchAsync(node, watched: true);

        await client.SetDataAsync(node, Nodes.NodeProperties.Encode([new("color", "blue")]));
        var changed = await NextNodeEventAsync(reader);
        Assert.Equal(node, changed.GetProperty("path").GetString());
        Assert.Equal("NodeDataChanged", changed.GetProperty("type").GetString());

        // Armed again after the event: a child arriving is the next one.
        await client.CreateAsync(node + "/child");
        Assert.Equal("NodeChildrenChanged", (await NextNodeEventAsync(reader)).GetProperty("type").GetString());

        // The page goes away: so do the watches.
        reader.Dispose();
        response.Dispose();
        await DashboardApps.WaitForServerWatchAsync(node, watched: false);
    }

    /// <summary>The data of the next <c>node</c> event of a node feed.</summary>
    private static Task<JsonElement> NextNodeEventAsync(StreamReader reader) => NextEventAsync(reader, "node");

    /// <summary>The data of the next event named <paramref name="name"/> of a Server-Sent Events stream.</summary>
    private static async Task<JsonElement> NextEventAsync(StreamReader reader, string name)
    {
        var eventName = "";
        while (true)
        {
            var line = await reader.ReadLineAsync().WaitAsync(s_timeout);
            Assert.NotNull(line);
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line["event: ".Length..];
            }
            else if (eventName == name && line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement;
            }
        }
    }

    [Fact]
    public async Task Stop_WithAnOpenLiveFeed_IsNotHeldUp()
    {
        var root = await DashboardApps.CreateRootAsync();
        var app = await DashboardApps.StartAsync(root);
        using var http = Http(app);
        using var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await app.StopAsync().WaitAsync(s_timeout);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopwatch.Elapsed}");
        await app.DisposeAsync();
    }

    [Fact]
    public void Map_WithoutTheDashboardServicesOrAClient_SaysWhatIsMissing()
    {
        var withoutDashboard = WebApplication.CreateBuilder();
        withoutDashboard.Services.AddZooKeeper();
        var error = Assert.Throws<InvalidOperationException>(() => withoutDashboard.Build().MapZooKeeperDashboard());
        Assert.Contains("AddZooKeeperDashboard()", error.Message, StringComparison.Ordinal);

        var withoutClient = WebApplication.CreateBuilder();
        withoutClient.Services.AddZooKeeperDashboard();
        error = Assert.Throws<InvalidOperationException>(() => withoutClient.Build().MapZooKeeperDashboard());
        Assert.Contains("ZooKeeperClient", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapResult_RequireAuthorization_AndWritePolicy_Apply()
    {
        var root = await DashboardApps.CreateRootAsync();
        await using var app = await DashboardApps.StartAsync(root,
            configure: o => { o.AllowWrites = true; o.WritePolicy = "zookeeper-writers"; },
            build: b =>
            {
                b.Services.AddAuthentication(HeaderAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.SchemeName, null);
                b.Services.AddAuthorizationBuilder().AddPolicy("zookeeper-writers", p => p.RequireRole("writer"));
            },
            map: a => a.MapZooKeeperDashboard("/zookeeper").RequireAuthorization());
        using var http = Http(app);
        using (var anonymous = await http.GetAsync("api/services"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        http.DefaultRequestHeaders.Add(HeaderAuthentication.UserHeader, "bob");
        var reader = await http.GetFromJsonAsync<JsonElement>("api/info");
        Assert.False(reader.GetProperty("canWrite").GetBoolean());
        http.DefaultRequestHeaders.Add(HeaderAuthentication.RoleHeader, "writer");
        var writer = await http.GetFromJsonAsync<JsonElement>("api/info");
        Assert.True(writer.GetProperty("canWrite").GetBoolean());
    }

    /// <summary>Test-only authentication: the user named by a request header, with the role named by another.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestHeader";
        public const string UserHeader = "X-Test-User";
        public const string RoleHeader = "X-Test-Role";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(UserHeader, out var user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            var claims = new List<Claim> { new(ClaimTypes.Name, user.ToString()) };
            if (Request.Headers.TryGetValue(RoleHeader, out var role))
            {
                claims.Add(new Claim(ClaimTypes.Role, role.ToString()));
            }
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName)));
        }
    }
}
