namespace ActorRec.Cli;

/// <summary>Exit codes of every <c>actorrec</c> verb; scripts and CI rely on them.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command was valid but failed while running (a server that could not start, a failed benchmark, a damaged journal).</summary>
    public const int Failure = 1;

    /// <summary>The command line or the configuration is wrong (unknown option, bad value, a config file that does not parse).</summary>
    public const int Usage = 2;

    /// <summary><c>serve</c>: the cluster declared this node down; it stopped its entities and exited (restart it as a new incarnation).</summary>
    public const int Downed = 3;
}
