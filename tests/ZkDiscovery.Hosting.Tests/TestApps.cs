using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZkDiscovery.Hosting.Registration;

namespace ZkDiscovery.Hosting.Tests;

/// <summary>Real Kestrel apps on 127.0.0.1 port 0, registered in ZooKeeper, discovering service <c>peer</c> at the same path.</summary>
internal static class TestApps
{
    public static async Task<WebApplication> StartAsync(string connectionString, string servicePath, Action<WebApplicationBuilder>? configure = null, TimeSpan? sessionTimeout = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ZooKeeper:ConnectionString"] = connectionString,
            ["ZooKeeper:SessionTimeout"] = (sessionTimeout ?? TimeSpan.FromSeconds(8)).ToString("c", CultureInfo.InvariantCulture),
            ["ZooKeeper:Registration:ServicePath"] = servicePath,
            ["ZooKeeper:Discovery:Services:peer"] = servicePath,
        });
        builder.Services.AddZooKeeperRegistration();
        builder.Services.AddHttpClient("peer").AddZooKeeperServiceDiscovery();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapGet("/whoami", (HttpContext context) => $"{Environment.ProcessId} {context.Connection.LocalPort}");
        await app.StartAsync();
        return app;
    }

    public static int Port(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address).Port;
    }

    public static ZooKeeperRegistrationService Registration(WebApplication app) => app.Services.GetRequiredService<ZooKeeperRegistrationService>();

    public static ZooKeeperClient Client(WebApplication app) => app.Services.GetRequiredService<ZooKeeperClient>();

    public static Task WaitRegisteredAsync(WebApplication app) => Registration(app).Registered.WaitAsync(TimeSpan.FromSeconds(30));

    public static string NodePath(string servicePath, WebApplication app) => $"{servicePath}/127.0.0.1:{Port(app)}";
}
