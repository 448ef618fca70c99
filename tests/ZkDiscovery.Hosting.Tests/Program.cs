using Microsoft.Extensions.Hosting;
using ZkDiscovery.Hosting.Tests;

/// <summary>
/// The test assembly's entry point: "child CONNECTIONSTRING SERVICEPATH [LAYOUT]" runs a tiny registered web app (for the
/// kill -9 tests; LAYOUT is ZooKeeper:Registration:Layout, from configuration); anything else does nothing (xunit loads
/// the assembly as a library).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["child", var connectionString, var servicePath, .. var rest] && rest.Length <= 1)
        {
            Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = rest is [var layout]
                ? b => b.Configuration["ZooKeeper:Registration:Layout"] = layout
                : null;
            await using var app = await TestApps.StartAsync(connectionString, servicePath, configure, sessionTimeout: TimeSpan.FromSeconds(2));
            await TestApps.WaitRegisteredAsync(app);
            Console.WriteLine("REGISTERED " + TestApps.Port(app));
            await app.WaitForShutdownAsync();
        }
        return 0;
    }
}
