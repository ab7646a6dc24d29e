// adder32: 32-bit adder with carry-in and carry-out.
module adder32 (
    input  wire [31:0] a,
    input  wire [31:0] b,
    input  wire        cin,
    output wire [31:0] sum,
    output wire        cout
);

    assign {cout, sum} = a + b + cin;

endmodule
