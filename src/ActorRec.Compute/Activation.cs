namespace ActorRec.Compute;

/// <summary>Activation applied after a dense layer's bias.</summary>
public enum Activation
{
    None,
    Relu,
    Sigmoid,
}
