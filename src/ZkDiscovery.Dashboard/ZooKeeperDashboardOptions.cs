namespace ZkDiscovery.Dashboard;

/// <summary>
/// Options of the ZooKeeper dashboard (<c>AddZooKeeperDashboard</c>, <c>MapZooKeeperDashboard</c>), bound from the
/// configuration section <see cref="SectionName"/> when the app has a configuration.
/// </summary>
public sealed class ZooKeeperDashboardOptions
{
    /// <summary>The configuration section the options bind from: <c>ZooKeeper:Dashboard</c>.</summary>
    public const string SectionName = "ZooKeeper:Dashboard";

    /// <summary>
    /// Whether the page may change ZooKeeper: edit a property (compare-and-set) and import tree text (after a dry run).
    /// </summary>
    /// <value>The default value is <see langword="false"/>: the dashboard only reads.</value>
    public bool AllowWrites { get; set; }

    /// <summary>
    /// The authorization policy a user must satisfy to write, when <see cref="AllowWrites"/> is true; null to require
    /// only an authenticated user (see <see cref="WritesRequireAuthenticatedUser"/>).
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? WritePolicy { get; set; }

    /// <summary>
    /// Whether writes need an authenticated user when no <see cref="WritePolicy"/> is set. Turn it off only where the
    /// network already restricts who reaches the page (for example <c>zkd serve</c> on 127.0.0.1).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool WritesRequireAuthenticatedUser { get; set; } = true;

    /// <summary>
    /// Paths whose children are services, listed with the services the app discovers or registers. A child
    /// <c>NAME</c> of a root is a service whose instances are the children of <c>ROOT/NAME/providers</c> when that node
    /// exists (the zc.zk layout), else of <c>ROOT/NAME</c> (the Curator layout, e.g. root <c>/services</c>); under the
    /// root <c>/</c> only the first form counts, and <c>/zookeeper</c> is skipped.
    /// </summary>
    /// <value>The default value is empty.</value>
    public IList<string> ServiceRoots { get; set; } = [];

    /// <summary>
    /// Parts of configuration keys whose values are never sent to the page (compared without case); the page shows
    /// the key and its source with the value hidden.
    /// </summary>
    /// <value>The default value is <c>password</c>, <c>secret</c>, <c>token</c>, <c>credential</c>, <c>apikey</c>, <c>connectionstring</c>.</value>
    public IList<string> SecretKeyMarkers { get; set; } = ["password", "secret", "token", "credential", "apikey", "connectionstring"];

    /// <summary>The most nodes the tree picture and the graph API return; the rest is cut off and marked.</summary>
    /// <value>The default value is 400.</value>
    public int MaxGraphNodes { get; set; } = 400;

    /// <summary>The title shown in the page header.</summary>
    /// <value>The default value is <c>ZooKeeper</c>.</value>
    public string Title { get; set; } = "ZooKeeper";
}
