// Minimal placeholder so the solution builds; the ZooKeeper registration and configuration come later.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
WebApplication app = builder.Build();

app.MapGet("/", () => "ZkDiscovery sample");
app.MapGet("/health", () => Results.Ok(new { status = "Healthy" }));

app.Run();
