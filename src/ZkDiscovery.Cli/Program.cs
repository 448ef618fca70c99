using ZkDiscovery.Cli;

return await ZkdApp.RunAsync(args).ConfigureAwait(false);
