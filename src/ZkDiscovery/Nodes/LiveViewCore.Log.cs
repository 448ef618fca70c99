using Microsoft.Extensions.Logging;
using ZkDiscovery.Diagnostics;

namespace ZkDiscovery.Nodes;

/// <content>Log messages of the live views (<see cref="LiveChildren"/>, <see cref="LiveProperties"/>).</content>
internal sealed partial class LiveViewCore<TView, TValue>
{
    private static partial class Log
    {
        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewDataWarning, Level = LogLevel.Warning, Message = "The data of {Path} is read as string_value: {Reason}.")]
        public static partial void DataWarning(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewBadPropertyLink, Level = LogLevel.Warning, Message = "Live view of {Path}: {Error} The property is left out.")]
        public static partial void BadPropertyLink(ILogger logger, string path, string error);

        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewRealPathChanged, Level = LogLevel.Information, Message = "Live view of {Path} now follows {RealPath} (was {PreviousRealPath}).")]
        public static partial void RealPathChanged(ILogger logger, string path, string previousRealPath, string realPath);

        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewDeleted, Level = LogLevel.Information, Message = "Live view of {Path}: the node ({RealPath}) was deleted and the path no longer resolves.")]
        public static partial void Deleted(ILogger logger, string path, string realPath);

        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewRefreshFailed, Level = LogLevel.Debug, Message = "Live view of {Path}: reading was interrupted ({Reason}); reading again when connected.")]
        public static partial void RefreshInterrupted(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewRefreshFailed, Level = LogLevel.Warning, Message = "Live view of {Path}: reading failed; the last value is kept until the next change or connection.")]
        public static partial void RefreshFailed(ILogger logger, string path, Exception exception);

        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewSubscriberFailed, Level = LogLevel.Error, Message = "Live view of {Path}: a subscriber threw; the view goes on.")]
        public static partial void SubscriberFailed(ILogger logger, string path, Exception exception);

        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewLinkError, Level = LogLevel.Warning, Message = "Live view of {Path}: the path does not resolve: {Error}")]
        public static partial void LinkError(ILogger logger, string path, string error);

        [LoggerMessage(EventId = ZooKeeperEventIds.LiveViewLoopFailed, Level = LogLevel.Error, Message = "Live view of {Path}: the refresh loop failed; reading again in {RetryDelay}.")]
        public static partial void LoopFailed(ILogger logger, string path, TimeSpan retryDelay, Exception exception);
    }
}
