namespace ActorRec.Recommender.Domain;

/// <summary>One client mistake: <see cref="Field"/> is the JSON path (<c>events[3].watchMs</c>; <c>$</c> for the body).</summary>
public sealed record ValidationError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Either a value or the non-empty list of everything wrong with the input (never both).</summary>
public sealed class ValidationResult<T>
    where T : class
{
    private ValidationResult(T? value, IReadOnlyList<ValidationError> errors)
    {
        Value = value;
        Errors = errors;
    }

    public T? Value { get; }

    public IReadOnlyList<ValidationError> Errors { get; }

    public bool IsValid => Value is not null;

    public static ValidationResult<T> Ok(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), []);

    public static ValidationResult<T> Fail(IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("a failed result needs at least one error", nameof(errors));
        }

        return new(null, errors);
    }
}
