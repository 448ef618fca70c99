using System.Globalization;

namespace ZkDiscovery.Soak;

/// <summary>
/// <c>ZkDiscovery.Bench soak --port P [--minutes 20] ...</c>: runs <see cref="SoakEngine"/> against the server on
/// 127.0.0.1:P (which must allow the four-letter words mntr, wchc and wchp) and prints the samples and the verdict.
/// bench/soak.sh starts such a server and runs this. Exit 0 on PASS, 1 on FAIL, 2 on bad arguments.
/// </summary>
internal static class SoakCommand
{
    public const string Usage = """
        Usage: ZkDiscovery.Bench soak --port P [--minutes M] [--warmup-minutes W] [--instances N] [--changes-per-second R]
                                      [--cut-every-seconds S] [--cut-outage-seconds O] [--sample-every-seconds T]
                                      [--config-write-every-seconds C]
          defaults: 20 minutes, warm-up a quarter of the run, 1,000 instances, 20 changes/s, a cut every 60 s (2 s
          partition, then the connections are closed), a sample every 10 s, a configuration write every 1 s.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        int port = 0, instances = 1_000, rate = 20;
        double minutes = 20, cutEvery = 60, cutOutage = 2, sampleEvery = 10, configEvery = 1;
        double? warmupMinutes = null;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "-h" or "--help":
                        await Console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
                        return 0;
                    case "--port": port = (int)Number(); break;
                    case "--minutes": minutes = Number(); break;
                    case "--warmup-minutes": warmupMinutes = Number(); break;
                    case "--instances": instances = (int)Number(); break;
                    case "--changes-per-second": rate = (int)Number(); break;
                    case "--cut-every-seconds": cutEvery = Number(); break;
                    case "--cut-outage-seconds": cutOutage = Number(); break;
                    case "--sample-every-seconds": sampleEvery = Number(); break;
                    case "--config-write-every-seconds": configEvery = Number(); break;
                    default: throw new ArgumentException($"Unknown argument {args[i]}.");
                }
            }
            if (port <= 0)
            {
                throw new ArgumentException("--port is required.");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + Usage).ConfigureAwait(false);
            return 2;
        }
        var options = new SoakOptions
        {
            ServerPort = port,
            Duration = TimeSpan.FromMinutes(minutes),
            WarmUp = TimeSpan.FromMinutes(warmupMinutes ?? minutes / 4),
            Instances = instances,
            ChangesPerSecond = rate,
            CutInterval = TimeSpan.FromSeconds(cutEvery),
            CutOutage = TimeSpan.FromSeconds(cutOutage),
            SampleInterval = TimeSpan.FromSeconds(sampleEvery),
            ConfigWriteInterval = TimeSpan.FromSeconds(configEvery),
            Log = line => Console.Error.WriteLine(line),
        };
        var report = await SoakEngine.RunAsync(options).ConfigureAwait(false);
        Console.Out.WriteLine(report.ToMarkdown());
        return report.Passed ? 0 : 1;
    }
}
