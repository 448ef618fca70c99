namespace ZkDiscovery.Hosting.Registration;

/// <summary>How registration nodes are named and what they hold (<see cref="ZooKeeperRegistrationOptions.Layout"/>).</summary>
public enum ZooKeeperRegistrationLayout
{
    /// <summary>zc.zk's layout: one ephemeral node <c>SERVICEPATH/HOST:PORT</c> per address, its data JSON properties (<c>pid</c>, <c>uri</c>, ...).</summary>
    ZcZk,

    /// <summary>
    /// Apache Curator x-discovery's layout, read by Curator's <c>ServiceDiscovery</c> and Spring Cloud Zookeeper: one ephemeral
    /// node <c>SERVICEPATH/ID</c> per address, its data a Curator <c>ServiceInstance</c> whose name is the last segment of
    /// the service path.
    /// </summary>
    Curator,
}

/// <summary>The payload of Curator-layout instances (<see cref="ZooKeeperRegistrationOptions.CuratorPayload"/>).</summary>
public enum ZooKeeperCuratorPayload
{
    /// <summary>
    /// Spring Cloud Zookeeper's <c>ZookeeperInstance</c> (<c>@class</c>, <c>id</c>, <c>name</c>, <c>metadata</c>): the
    /// metadata and <c>instance_status</c> reach Spring consumers. A plain Curator consumer that reads payloads as
    /// <c>Object</c> without Spring on its class path cannot resolve the <c>@class</c> and fails to read the instance.
    /// </summary>
    Spring,

    /// <summary>No payload (<c>"payload": null</c>): readable by every Curator consumer; no metadata, no status.</summary>
    None,
}
