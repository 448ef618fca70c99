using System.Text.Json;

namespace ZkDiscovery.Configuration.Internal;

/// <summary>
/// The local last-known-good copy of a provider's data: a JSON object of keys to string values (null as JSON null),
/// written atomically (a temporary file in the same directory, then a rename over the old file).
/// </summary>
internal static class ConfigurationSnapshotFile
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Indented = true };

    /// <summary>Reads a snapshot; null when the file does not exist.</summary>
    /// <exception cref="IOException">The file could not be read.</exception>
    /// <exception cref="JsonException">The file is not a snapshot.</exception>
    public static Dictionary<string, string?>? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var data = ConfigurationKeyMapper.CreateData();
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"The snapshot {path} is not a JSON object.");
        }
        foreach (var property in document.RootElement.EnumerateObject())
        {
            data[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => property.Value.GetString(),
                _ => throw new JsonException($"The snapshot {path} has a value that is not a string: {property.Name}."),
            };
        }
        return data;
    }

    /// <summary>Writes a snapshot atomically, creating the directory if needed.</summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file could not be written.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, string?> data)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var writer = new Utf8JsonWriter(stream, s_writerOptions))
                {
                    writer.WriteStartObject();
                    foreach (var (key, value) in data.OrderBy(static p => p.Key, StringComparer.OrdinalIgnoreCase))
                    {
                        writer.WriteString(key, value);
                    }
                    writer.WriteEndObject();
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
