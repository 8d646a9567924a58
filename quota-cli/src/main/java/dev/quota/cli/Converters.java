package dev.quota.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads option values, so that a malformed one is bad usage reported by the parser, before anything runs. */
final class Converters {
  private Converters() {}

  /** A time as {@link When} reads it. */
  static final class WhenValue implements ITypeConverter<When> {
    @Override
    public When convert(String value) {
      try {
        return When.parse(value);
      } catch (CliException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A positive count of units as {@link Amount} reads it. */
  static final class PositiveAmount implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return Amount.parsePositive("the amount", value);
      } catch (CliException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A limit as {@link Amount#parseLimit} reads it: a count of units, 0 or more, or {@code unlimited}. */
  static final class LimitAmount implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return Amount.parseLimit("the limit", value);
      } catch (CliException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
