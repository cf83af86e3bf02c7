"""What the tests share: fakes, builders and fixtures. Test modules import from here, never
from one another."""
