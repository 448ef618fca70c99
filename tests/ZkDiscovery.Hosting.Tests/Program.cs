using Microsoft.Extensions.Hosting;
using ZkDiscovery.Hosting.Tests;

/// <summary>
/// The test assembly's entry point: "child CONNECTIONSTRING SERVICEPATH" runs a tiny registered web app (for the
/// kill -9 test); anything else does nothing (xunit loads the assembly as a library).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["child", var connectionString, var servicePath])
        {
            await using var app = await TestApps.StartAsync(connectionString, servicePath, sessionTimeout: TimeSpan.FromSeconds(2));
            await TestApps.WaitRegisteredAsync(app);
            Console.WriteLine("REGISTERED " + TestApps.Port(app));
            await app.WaitForShutdownAsync();
        }
        return 0;
    }
}
