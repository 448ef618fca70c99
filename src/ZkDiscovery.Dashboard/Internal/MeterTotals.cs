using System.Diagnostics.Metrics;

namespace ZkDiscovery.Dashboard.Internal;

/// <summary>
/// Totals of the client's <c>ZkDiscovery</c> meter since the dashboard started, read with a <see cref="MeterListener"/>:
/// only meters of the app's <see cref="IMeterFactory"/> (or made without one) count.
/// </summary>
internal sealed class MeterTotals : IDisposable
{
    private const string MeterName = "ZkDiscovery";
    private readonly MeterListener _listener = new();
    private readonly object? _scope;
    private long _requests;
    private long _errors;
    private long _reconnects;
    private long _expirations;
    private long _watchEvents;
    private long _durationCount;
    private double _durationSum;
    private readonly object _durationLock = new();

    public MeterTotals(IMeterFactory? meterFactory, TimeProvider time)
    {
        _scope = meterFactory;
        Since = time.GetUtcNow();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && (instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, _scope)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "zookeeper.client.requests": Interlocked.Add(ref _requests, value); break;
                case "zookeeper.client.errors": Interlocked.Add(ref _errors, value); break;
                case "zookeeper.client.reconnects": Interlocked.Add(ref _reconnects, value); break;
                case "zookeeper.client.session.expirations": Interlocked.Add(ref _expirations, value); break;
                case "zookeeper.client.watch.events": Interlocked.Add(ref _watchEvents, value); break;
            }
        });
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "zookeeper.client.request.duration")
            {
                lock (_durationLock)
                {
                    _durationCount++;
                    _durationSum += value;
                }
            }
        });
        _listener.Start();
    }

    public DateTimeOffset Since { get; }

    public MeterFigures Read()
    {
        double? mean;
        lock (_durationLock)
        {
            mean = _durationCount == 0 ? null : _durationSum / _durationCount * 1000;
        }
        return new MeterFigures(Since, Interlocked.Read(ref _requests), Interlocked.Read(ref _errors), Interlocked.Read(ref _reconnects),
            Interlocked.Read(ref _expirations), Interlocked.Read(ref _watchEvents), mean);
    }

    public void Dispose() => _listener.Dispose();
}

internal sealed record MeterFigures(DateTimeOffset Since, long Requests, long Errors, long Reconnects, long SessionExpirations, long WatchEvents, double? MeanRequestMilliseconds);
