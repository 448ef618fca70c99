using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using ZkDiscovery.Configuration.Internal;
using ZkDiscovery.Nodes;

namespace ZkDiscovery.Bench.Micro;

/// <summary>
/// Mapping a node with 1,000 configuration keys to the configuration provider's key dictionary, with the internal
/// mapper of src/ZkDiscovery.Configuration (what a load or reload does per node): from the node's JSON bytes
/// (NodeProperties.Parse, then ConfigurationKeyMapper.AddProperties into a new case-insensitive dictionary), and the
/// mapping step alone from already parsed properties. Shapes: <c>flat</c> = 1,000 top-level properties (strings,
/// integers, decimals, booleans); <c>nested</c> = 100 objects of 8 scalars and a 2-item array (1,000 leaf keys
/// <c>sectionNNN:key</c>, <c>sectionNNN:list:0</c>).
/// </summary>
[MemoryDiagnoser]
public class ConfigurationMappingBenchmarks
{
    private byte[] _json = null!;
    private NodeProperties _properties = null!;

    [Params("flat", "nested")]
    public string Shape { get; set; } = "flat";

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder("{\"type\":\"config\"");
        if (Shape == "flat")
        {
            for (var i = 0; i < 1000; i++)
            {
                sb.Append(CultureInfo.InvariantCulture, $",\"key{i:D4}\":").Append(Scalar(i));
            }
        }
        else
        {
            for (var s = 0; s < 100; s++)
            {
                sb.Append(CultureInfo.InvariantCulture, $",\"section{s:D3}\":{{");
                for (var k = 0; k < 8; k++)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{(k == 0 ? "" : ",")}\"key{k}\":").Append(Scalar(s * 10 + k));
                }
                sb.Append(CultureInfo.InvariantCulture, $",\"list\":[\"a{s}\",{s}]}}");
            }
        }
        sb.Append('}');
        _json = Encoding.UTF8.GetBytes(sb.ToString());
        _properties = NodeProperties.Parse(_json);
        var keys = ParseAndMap();
        if (keys != 1000 || _properties.ReadWarning is not null)
        {
            throw new InvalidOperationException($"Expected 1,000 keys, got {keys} ({_properties.ReadWarning}).");
        }
    }

    private static string Scalar(int i) => (i % 4) switch
    {
        0 => string.Create(CultureInfo.InvariantCulture, $"\"value-{i}-abcdefghij\""),
        1 => i.ToString(CultureInfo.InvariantCulture),
        2 => string.Create(CultureInfo.InvariantCulture, $"{i}.25"),
        _ => i % 8 == 3 ? "true" : "false",
    };

    /// <summary>The node's data as read from ZooKeeper to the provider's key dictionary.</summary>
    [Benchmark(Baseline = true)]
    public int ParseAndMap()
    {
        var properties = NodeProperties.Parse(_json);
        var data = ConfigurationKeyMapper.CreateData();
        ConfigurationKeyMapper.AddProperties(data, null, properties);
        return data.Count;
    }

    /// <summary>Parsed properties to keys only (the mapper's own cost).</summary>
    [Benchmark]
    public int MapOnly()
    {
        var data = ConfigurationKeyMapper.CreateData();
        ConfigurationKeyMapper.AddProperties(data, null, _properties);
        return data.Count;
    }

    /// <summary>Parsing the JSON bytes only (NodeProperties.Parse).</summary>
    [Benchmark]
    public int ParseOnly() => NodeProperties.Parse(_json).Count;
}
