using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace ZkDiscovery.Dashboard.Internal;

/// <summary>The page's files, embedded in the assembly (logical names <c>ZkDiscovery.Dashboard.wwwroot.FILE</c>).</summary>
internal static class StaticAssets
{
    private static readonly ConcurrentDictionary<string, Asset?> s_cache = new(StringComparer.Ordinal);

    public static IResult Serve(HttpContext context, string file)
    {
        var asset = s_cache.GetOrAdd(file, Load);
        if (asset is null)
        {
            return Results.NotFound();
        }
        context.Response.Headers.ETag = asset.ETag;
        // Revalidate every time: the files are small and change with the package version.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        if (file == "index.html")
        {
            context.Response.Headers["Content-Security-Policy"] =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
        }
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static Asset? Load(string file)
    {
        var contentType = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => null,
        };
        if (contentType is null || file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal))
        {
            return null;
        }
        using var stream = typeof(StaticAssets).Assembly.GetManifestResourceStream("ZkDiscovery.Dashboard.wwwroot." + file);
        if (stream is null)
        {
            return null;
        }
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var content = memory.ToArray();
        var etag = "\"" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content))[..16] + "\"";
        return new Asset(content, contentType, etag);
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
