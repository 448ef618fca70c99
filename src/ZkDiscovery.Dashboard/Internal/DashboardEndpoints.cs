using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Dashboard.Internal;

/// <summary>The dashboard's endpoints: the page, the JSON API, the live feed and the two writes.</summary>
internal static class DashboardEndpoints
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/", ServeIndex).ExcludeFromDescription();
        group.MapGet("/assets/{file}", StaticAssets.Serve).ExcludeFromDescription();

        group.MapGet("/api/info", InfoAsync);
        group.MapGet("/api/services", async (DashboardState state, CancellationToken cancellationToken) =>
        {
            await state.EnsureStartedAsync().ConfigureAwait(false);
            return Results.Json(await state.Catalog.ListLoadedAsync(cancellationToken).ConfigureAwait(false), Json);
        });
        group.MapGet("/api/configuration", async (DashboardState state) => { await state.EnsureStartedAsync().ConfigureAwait(false); return Results.Json(state.GetConfiguration(), Json); });
        group.MapGet("/api/session", async (DashboardState state) => { await state.EnsureStartedAsync().ConfigureAwait(false); return Results.Json(state.GetSession(), Json); });
        group.MapGet("/api/node", TreeApi.NodeAsync);
        group.MapGet("/api/node/events", TreeApi.NodeEventsAsync);
        group.MapGet("/api/export", TreeApi.ExportAsync);
        group.MapGet("/api/graph", TreeApi.GraphAsync);
        group.MapGet("/api/dot", TreeApi.DotAsync);
        group.MapGet("/api/events", EventsAsync);

        group.MapPost("/api/node/property", TreeApi.SetPropertyAsync);
        group.MapPost("/api/import/preview", TreeApi.PreviewImportAsync);
        group.MapPost("/api/import/apply", TreeApi.ApplyImportAsync);
    }

    private static IResult ServeIndex(HttpContext context)
    {
        // Relative asset and API URLs need the trailing slash: /zookeeper -> /zookeeper/.
        if (!context.Request.Path.Value!.EndsWith('/'))
        {
            return Results.Redirect(context.Request.PathBase + context.Request.Path + "/" + context.Request.QueryString);
        }
        return StaticAssets.Serve(context, "index.html");
    }

    private static async Task<IResult> InfoAsync(HttpContext context, DashboardState state, IAntiforgery antiforgery)
    {
        await state.EnsureStartedAsync().ConfigureAwait(false);
        var canWrite = state.Options.AllowWrites && await CanWriteAsync(context, state).ConfigureAwait(false);
        string? token = null;
        string? header = null;
        if (canWrite)
        {
            var tokens = antiforgery.GetAndStoreTokens(context);
            token = tokens.RequestToken;
            header = tokens.HeaderName;
        }
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(new InfoDto(state.Options.Title, state.Options.AllowWrites, canWrite, token, header), Json);
    }

    internal static async Task<bool> CanWriteAsync(HttpContext context, DashboardState state)
    {
        if (state.Options.WritePolicy is { } policy)
        {
            var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
            return (await authorization.AuthorizeAsync(context.User, null, policy).ConfigureAwait(false)).Succeeded;
        }
        return !state.Options.WritesRequireAuthenticatedUser || context.User.Identity?.IsAuthenticated == true;
    }

    /// <summary>Null when the request may write; else the response that refuses it.</summary>
    internal static async Task<IResult?> CheckWriteAsync(HttpContext context, DashboardState state)
    {
        if (!state.Options.AllowWrites)
        {
            return Results.Json(new ErrorDto("Writes are disabled on this dashboard (ZooKeeperDashboardOptions.AllowWrites)."), Json, statusCode: StatusCodes.Status403Forbidden);
        }
        if (!await CanWriteAsync(context, state).ConfigureAwait(false))
        {
            return Results.Json(new ErrorDto("You are not authorized to change ZooKeeper from this dashboard."), Json, statusCode: StatusCodes.Status403Forbidden);
        }
        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return Results.Json(new ErrorDto("The antiforgery token is missing or invalid: reload the page and try again."), Json, statusCode: StatusCodes.Status400BadRequest);
        }
        return null;
    }

    /// <summary>
    /// The live feed (Server-Sent Events): at once, then at every change, an event per changed topic (<c>services</c>,
    /// <c>configuration</c>, <c>session</c>) whose data is the same JSON as the topic's GET endpoint; a comment line
    /// every 15 seconds keeps idle connections open.
    /// </summary>
    private static async Task EventsAsync(HttpContext context, DashboardState state, IHostApplicationLifetime lifetime)
    {
        await state.EnsureStartedAsync().ConfigureAwait(false);
        // Ends with the request, or when the app starts stopping: an open page must not hold up a graceful stop.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;
        var sent = new long[ChangeHub.TopicCount];
        Array.Fill(sent, -1);
        try
        {
            await StartEventStreamAsync(context, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                var next = state.Changes.NextChange;
                for (var topic = 0; topic < ChangeHub.TopicCount; topic++)
                {
                    var version = state.Changes.GetVersion(topic);
                    if (version == sent[topic])
                    {
                        continue;
                    }
                    sent[topic] = version;
                    var (name, data) = topic switch
                    {
                        ChangeHub.Services => ("services", JsonSerializer.Serialize(state.Catalog.List(), Json)),
                        ChangeHub.Configuration => ("configuration", JsonSerializer.Serialize(state.GetConfiguration(), Json)),
                        _ => ("session", JsonSerializer.Serialize(state.GetSession(), Json)),
                    };
                    await context.Response.WriteAsync($"event: {name}\ndata: {data}\n\n", cancellationToken).ConfigureAwait(false);
                }
                await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                await WaitOrKeepAliveAsync(context, next, state.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    /// <summary>Starts a Server-Sent Events response: its headers, unbuffered, and a browser retry after 2 seconds.</summary>
    internal static Task StartEventStreamAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return context.Response.WriteAsync("retry: 2000\n\n", cancellationToken);
    }

    /// <summary>
    /// Waits for <paramref name="next"/>, 15 seconds at most; when it has not come by then, writes a comment line that
    /// keeps an idle event stream open (proxies close silent connections).
    /// </summary>
    internal static async Task WaitOrKeepAliveAsync(HttpContext context, Task next, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await next.WaitAsync(TimeSpan.FromSeconds(15), time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await context.Response.WriteAsync(": idle\n\n", cancellationToken).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string Hash(params string[] parts)
    {
        var text = string.Join('\u0001', parts);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    internal static string Compact(JsonNode? value) => value is null ? "null" : value.ToJsonString();
}
